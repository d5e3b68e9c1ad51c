import * as pulumi from "@pulumi/pulumi";
import { declaredContainer, declaredContainers, DeclaredOptions, DeclaredResource, isSecretInput, list, mockStack, plain, runProgram, stackFileConfig, valueOf } from "./helpers/program";

// The real Pulumi.dev.yaml: demo on, LOG_LEVEL DEBUG, Grafana on loopback.
const declared: DeclaredResource[] = mockStack("dev", stackFileConfig("dev"));

let program: typeof import("../index");
let options: DeclaredOptions;

beforeAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ({ program, options } = await runProgram(() => require("../index") as typeof import("../index")));
});

const containers = () => declaredContainers(declared);
const container = (name: string) => declaredContainer(declared, name);

describe("the dev stack under mocks", () => {
  it("declares two networks, three data volumes and a container per service and API", () => {
    expect(declared.filter((r) => r.type === "docker:index/network:Network").map((r) => r.inputs.name)).toEqual(["dev-logging", "dev-apis"]);
    expect(declared.filter((r) => r.type === "docker:index/volume:Volume").map((r) => r.inputs.name).sort()).toEqual([
      "dev-alloy-data",
      "dev-grafana-data",
      "dev-loki-data",
    ]);
    expect(containers().map((c) => c.inputs.name).sort()).toEqual([
      "dev-alloy",
      "dev-data-access-api",
      "dev-grafana",
      "dev-imaging-api",
      "dev-loki",
      "dev-trust-api",
    ]);
  });

  it("creates no host directories when data lives in named volumes", () => {
    expect(declared.filter((r) => r.type.startsWith("command:"))).toEqual([]);
  });

  it("generates a Grafana admin password and exports it only as a secret", async () => {
    expect(declared.filter((r) => r.type === "random:index/randomPassword:RandomPassword")).toHaveLength(1);
    expect(await pulumi.isSecret(program.grafanaAdminPassword)).toBe(true);
    expect(await valueOf(program.grafanaAdminPassword)).toBe("generated-password-xyz");
  });

  it("hands Grafana the generated password as a secret file readable by its group only", () => {
    const uploads = list(container("dev-grafana").wire.uploads);
    const password = uploads.find((upload) => upload.file === "/etc/grafana/secrets/admin-password");
    expect(isSecretInput(password.content)).toBe(true);
    expect(plain(password.content)).toBe("generated-password-xyz");
    expect(password.permissions).toBe("0440");
    expect(list(container("dev-grafana").inputs.envs)).toContain("GF_SECURITY_ADMIN_PASSWORD__FILE=/etc/grafana/secrets/admin-password");
  });

  it("keeps every environment value and every other upload of Grafana readable in previews", () => {
    const { envs, uploads } = container("dev-grafana").wire;
    expect(isSecretInput(envs)).toBe(false);
    expect(list(envs).filter(isSecretInput)).toEqual([]);
    expect(isSecretInput(uploads)).toBe(false);
    expect(list(uploads).filter((upload) => isSecretInput(upload.content)).map((upload) => upload.file)).toEqual([
      "/etc/grafana/secrets/admin-password",
      "/etc/grafana/tls/cert.pem",
      "/etc/grafana/tls/key.pem",
    ]);
  });

  it("serves Grafana over HTTPS with a certificate the stack makes for localhost, its key kept secret", () => {
    const key = declared.find((r) => r.type === "tls:index/privateKey:PrivateKey");
    const certificate = declared.find((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert");
    expect(key?.inputs).toMatchObject({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    expect(certificate?.inputs).toMatchObject({ dnsNames: ["localhost", "dev-grafana"], ipAddresses: ["127.0.0.1"] });
    const uploads = list(container("dev-grafana").wire.uploads);
    expect(isSecretInput(uploads.find((upload) => upload.file === "/etc/grafana/tls/key.pem").content)).toBe(true);
    expect(list(container("dev-grafana").wire.envs)).toContain("GF_SERVER_PROTOCOL=https");
  });

  it("keeps the environment of containers without secrets readable in previews", () => {
    expect(isSecretInput(container("dev-trust-api").inputs.envs)).toBe(false);
  });

  it("publishes Loki and Grafana on their configured addresses and ports, and never Alloy", () => {
    expect(list(container("dev-loki").inputs.ports)).toEqual([{ internal: 3100, external: 3100, ip: "127.0.0.1" }]);
    expect(list(container("dev-grafana").inputs.ports)).toEqual([{ internal: 3000, external: 3000, ip: "127.0.0.1" }]);
    expect(list(container("dev-alloy").inputs.ports)).toEqual([]);
  });

  it("mounts named volumes for data and the Docker socket read-only into Alloy only", () => {
    expect(list(container("dev-loki").inputs.mounts)).toEqual([{ target: "/loki", source: "dev-loki-data", type: "volume", readOnly: false }]);
    expect(list(container("dev-alloy").inputs.mounts)).toContainEqual({
      target: "/var/run/docker.sock",
      source: "/var/run/docker.sock",
      type: "bind",
      readOnly: true,
    });
    const socketHolders = containers().filter((c) =>
      list(c.inputs.mounts).some((m: { source: string }) => m.source === "/var/run/docker.sock"),
    );
    expect(socketHolders.map((c) => c.inputs.name)).toEqual(["dev-alloy"]);
  });

  it("serves each API name with a demo generator carrying the discovery labels and LOG_LEVEL", () => {
    const trust = container("dev-trust-api");
    expect(trust.inputs.image).toBe("sha256:trust-api-image");
    expect(trust.inputs.command).toEqual(["python", "-m", "log_config.demo", "--api", "trust-api"]);
    expect(list(trust.inputs.labels)).toEqual(
      expect.arrayContaining([
        { label: "org.flip.logging.enabled", value: "true" },
        { label: "org.flip.service", value: "trust-api" },
        { label: "org.flip.project", value: "dev" },
      ]),
    );
    expect(list(trust.inputs.envs)).toContain("LOG_LEVEL=DEBUG");
    expect(list(trust.inputs.uploads).map((u: { file: string }) => u.file)).toContain("/app/log_config/demo.py");
    expect(list(trust.inputs.networksAdvanced)).toEqual([{ name: "dev-apis", aliases: ["trust-api"] }]);
  });

  it("pulls the demo generators from the stock Python image", () => {
    const images = declared.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => `${r.name}=${r.inputs.name}`);
    expect(images.sort()).toEqual([
      "alloy-image=grafana/alloy:v1.9.0",
      "data-access-api-image=python:3.11-slim",
      "grafana-image=grafana/grafana:11.5.0",
      "imaging-api-image=python:3.11-slim",
      "loki-image=grafana/loki:3.4.0",
      "trust-api-image=python:3.11-slim",
    ]);
  });

  it("leaves development volumes unprotected, so a developer can start afresh", () => {
    for (const name of ["loki-data", "grafana-data", "alloy-data"]) {
      expect(options.get(`docker:index/volume:Volume ${name}`)).toMatchObject({ protect: false, retainOnDelete: false });
    }
  });

  it("uses a restart policy that does not fight a developer", () => {
    expect(new Set(containers().map((c) => c.inputs.restart))).toEqual(new Set(["unless-stopped"]));
  });

  it("exports the URLs, the admin user and every container name", async () => {
    expect(program.grafanaUrl).toBe("https://127.0.0.1:3000");
    expect(program.lokiUrl).toBe("http://127.0.0.1:3100");
    expect(program.grafanaAdminUser).toBe("admin");
    expect(await valueOf(program.containerNames)).toEqual(["dev-loki", "dev-alloy", "dev-grafana", "dev-trust-api", "dev-data-access-api", "dev-imaging-api"]);
  });
});
