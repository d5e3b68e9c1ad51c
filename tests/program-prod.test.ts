import * as pulumi from "@pulumi/pulumi";
import { TLS } from "./helpers/tls";
import { declaredContainer, declaredContainers, DeclaredOptions, DeclaredResource, isSecretInput, list, mockStack, plain, runProgram, stackFileConfig, valueOf } from "./helpers/program";

const PASSWORD = "correct-horse-battery-staple";

// The real Pulumi.prod.yaml, with the password, certificate and key an operator sets as the README says.
const declared: DeclaredResource[] = mockStack(
  "prod",
  stackFileConfig("prod", {
    values: { grafanaAdminPassword: PASSWORD, grafanaTlsCertificate: TLS.validCertificate, grafanaTlsKey: TLS.validKey },
    secrets: ["grafanaAdminPassword", "grafanaTlsKey"],
  }),
);

let program: typeof import("../index");
let options: DeclaredOptions;

beforeAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ({ program, options } = await runProgram(() => require("../index") as typeof import("../index")));
});

const containers = () => declaredContainers(declared);
const container = (service: string) => declaredContainer(declared, `trust-site-${service}`);

describe("the prod stack under mocks", () => {
  it("creates each host data directory with the owner its service runs as", () => {
    const commands = declared.filter((r) => r.type === "command:local:Command");
    const scripts = Object.fromEntries(commands.map((c) => [c.name, c.inputs.create as string]));
    expect(Object.keys(scripts).sort()).toEqual(["alloy-data-dir", "grafana-data-dir", "loki-data-dir"]);
    expect(scripts["loki-data-dir"]).toContain("$SUDO chown 10001:10001 '/opt/flip/volumes/loki'");
    expect(scripts["grafana-data-dir"]).toContain("$SUDO chown 472:0 '/opt/flip/volumes/grafana'");
    expect(scripts["alloy-data-dir"]).toContain("$SUDO chown 0:0 '/opt/flip/volumes/alloy'");
  });

  it("never deletes a data directory: the commands have no delete step", () => {
    for (const command of declared.filter((r) => r.type === "command:local:Command")) {
      expect(command.inputs.delete).toBeUndefined();
    }
  });

  it("runs a changed creation step again in place: it has an update command, no replacing triggers and no protection", () => {
    for (const command of declared.filter((r) => r.type === "command:local:Command")) {
      expect(command.inputs.update).toBe(command.inputs.create);
      expect(command.inputs.triggers).toBeUndefined();
      expect(options.get(`command:local:Command ${command.name}`)?.protect).toBeFalsy();
    }
  });

  it("starts each service only after its data directory exists", () => {
    for (const service of ["loki", "grafana", "alloy"]) {
      const dependsOn = options.get(`docker:index/container:Container ${service}`)?.dependsOn as pulumi.Resource[];
      const names = dependsOn.map((resource) => (resource as unknown as { __name: string }).__name);
      expect(names).toContain(`${service}-data-dir`);
    }
  });

  it("starts Alloy and Grafana only after Loki, which waits until healthy", () => {
    for (const service of ["alloy", "grafana"]) {
      const dependsOn = options.get(`docker:index/container:Container ${service}`)?.dependsOn as pulumi.Resource[];
      expect(dependsOn.map((resource) => (resource as unknown as { __name: string }).__name)).toContain("loki");
    }
    expect(container("loki").inputs).toMatchObject({ wait: true });
  });

  it("replaces every fixed-name container by deleting the old one first", () => {
    for (const resource of containers()) {
      expect(options.get(`docker:index/container:Container ${resource.name}`)).toMatchObject({ deleteBeforeReplace: true });
    }
  });

  it("binds the data directories into the containers", () => {
    expect(list(container("loki").inputs.mounts)).toEqual([{ target: "/loki", source: "/opt/flip/volumes/loki", type: "bind", readOnly: false }]);
    expect(list(container("grafana").inputs.mounts)).toEqual([
      { target: "/var/lib/grafana", source: "/opt/flip/volumes/grafana", type: "bind", readOnly: false },
    ]);
    expect(list(container("alloy").inputs.mounts)[0]).toEqual({
      target: "/var/lib/alloy/data",
      source: "/opt/flip/volumes/alloy",
      type: "bind",
      readOnly: false,
    });
  });

  it("publishes Loki on loopback only and restarts every container always", () => {
    expect(list(container("loki").inputs.ports)).toEqual([{ internal: 3100, external: 3100, ip: "127.0.0.1" }]);
    expect(new Set(containers().map((c) => c.inputs.restart))).toEqual(new Set(["always"]));
  });

  it("keeps the admin password secret in Grafana's password file and in the outputs, and the rest of Grafana readable", async () => {
    const { envs, uploads } = container("grafana").wire;
    const password = list(uploads).find((upload) => upload.file === "/etc/grafana/secrets/admin-password");
    expect(isSecretInput(password.content)).toBe(true);
    expect(plain(password.content)).toBe(PASSWORD);
    expect(isSecretInput(envs)).toBe(false);
    expect(list(envs).filter(isSecretInput)).toEqual([]);
    expect(await pulumi.isSecret(program.grafanaAdminPassword)).toBe(true);
    expect(await valueOf(program.grafanaAdminPassword)).toBe(PASSWORD);
  });

  it("serves Grafana over HTTPS with the Trust's certificate, the key a secret file readable by group 0 only", () => {
    const grafana = container("grafana");
    expect(list(grafana.wire.envs)).toEqual(
      expect.arrayContaining([
        "GF_SERVER_PROTOCOL=https",
        "GF_SERVER_CERT_FILE=/etc/grafana/tls/cert.pem",
        "GF_SERVER_CERT_KEY=/etc/grafana/tls/key.pem",
      ]),
    );
    const uploads = list(grafana.wire.uploads);
    const key = uploads.find((upload) => upload.file === "/etc/grafana/tls/key.pem");
    expect(isSecretInput(key.content)).toBe(true);
    expect(plain(key.content)).toBe(TLS.validKey);
    expect(key.permissions).toBe("0440");
    const certificate = uploads.find((upload) => upload.file === "/etc/grafana/tls/cert.pem");
    expect(certificate.content).toBe(TLS.validCertificate);
    expect(list(grafana.inputs.healthcheck.tests)).toContain("https://127.0.0.1:3000/api/health");
  });

  it("puts the password in no other input of any resource", () => {
    for (const resource of declared) {
      const uploads = list(resource.wire.uploads).filter((upload) => !isSecretInput(upload.content));
      expect(JSON.stringify({ ...resource.wire, uploads })).not.toContain(PASSWORD);
    }
  });

  it("runs the production API images with discovery labels, LOG_LEVEL and the APIs' own network", () => {
    const trust = container("trust-api");
    expect(trust.inputs.name).toBe("trust-site-trust-api");
    expect(trust.inputs.image).toBe("sha256:trust-api-image");
    expect(declared.find((r) => r.name === "trust-api-image")?.inputs.name).toBe("flip/trust-api:1.0.0");
    expect(list(trust.inputs.labels)).toEqual([
      { label: "org.flip.logging.enabled", value: "true" },
      { label: "org.flip.project", value: "trust-site" },
      { label: "org.flip.service", value: "trust-api" },
    ]);
    expect(list(trust.inputs.envs)).toEqual(["LOG_LEVEL=INFO"]);
    expect(list(trust.inputs.ports)).toEqual([{ internal: 8000, external: 8000, ip: "127.0.0.1" }]);
    expect(list(trust.inputs.networksAdvanced)).toEqual([{ name: "trust-site-apis", aliases: ["trust-api"] }]);
  });

  it("uploads each config file into the container that reads it", () => {
    const files = (service: string) => list(container(service).inputs.uploads).map((u: { file: string }) => u.file);
    expect(files("loki")).toEqual(["/etc/loki/loki-config.yml"]);
    expect(files("alloy")).toEqual(["/etc/alloy/config.alloy"]);
    expect(files("grafana")).toEqual([
      "/etc/grafana/provisioning/datasources/loki.yml",
      "/etc/grafana/provisioning/dashboards/dashboards.yml",
      "/etc/grafana/provisioning/dashboards/trust-apis.json",
      "/etc/grafana/provisioning/alerting/rules.yml",
      "/etc/grafana/provisioning/alerting/notifications.yml",
      "/etc/grafana/tls/cert.pem",
      "/etc/grafana/secrets/admin-password",
      "/etc/grafana/tls/key.pem",
    ]);
    const alloyConfig = list(container("alloy").inputs.uploads)[0].content as string;
    expect(alloyConfig).toContain('values = ["org.flip.logging.enabled=true"]');
  });

  it("exports the operator's URLs and the names of the containers it declared", async () => {
    expect(program.grafanaUrl).toBe("https://<trust-host>:3000");
    expect(program.lokiUrl).toBe("http://127.0.0.1:3100");
    expect(await valueOf(program.containerNames)).toEqual([
      "trust-site-loki",
      "trust-site-alloy",
      "trust-site-grafana",
      "trust-site-trust-api",
      "trust-site-data-access-api",
      "trust-site-imaging-api",
    ]);
  });
});
