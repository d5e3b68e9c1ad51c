/**
 * The prod stack in scalable mode with its Loki containers on two other Docker hosts
 * (`lokiHosts`), under Pulumi's mocks, through the CLI's config merge: one Docker provider per
 * host, each Loki container, its image and its data directory on its own host, and the gateway,
 * Alloy, Grafana and the APIs on the site's Docker host.
 */
import { TLS } from "./helpers/tls";
import { S3_SECRETS, S3_STACK } from "./helpers/bad-settings";
import { declaredContainer, declaredContainers, DeclaredResource, isSecretInput, list, mockStack, plain, runProgram, stackFileConfig } from "./helpers/program";

const secrets = { grafanaAdminPassword: "correct-horse-battery-staple", grafanaTlsKey: TLS.validKey, ...S3_SECRETS };
const declared: DeclaredResource[] = mockStack(
  "prod",
  stackFileConfig("prod", {
    values: {
      ...S3_STACK,
      lokiStorageSince: "2024-01-02",
      lokiMode: "scalable",
      lokiHosts: JSON.stringify(["ssh://flip@10.20.0.11", "ssh://root@10.20.0.12:2222"]),
      grafanaTlsCertificate: TLS.validCertificate,
      ...secrets,
    },
    secrets: Object.keys(secrets),
  }),
);

beforeAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await runProgram(() => require("../index"));
});

const container = (name: string) => declaredContainer(declared, `trust-site-${name}`);
const providerOf = (resource: DeclaredResource | undefined) => /::docker-([0-9.]+)::/.exec(resource?.provider ?? "")?.[1] ?? "site";
const byName = (type: string, name: string) => declared.find((each) => each.type === type && each.name === name);

describe("a prod stack with its Loki on two other Docker hosts, under mocks", () => {
  it("declares one Docker provider per Loki host, named after its address, and none for the site's own host", () => {
    const providers = declared.filter((each) => each.type === "pulumi:providers:docker");
    expect(providers.map((each) => [each.name, each.inputs.host])).toEqual([
      ["docker-10.20.0.11", "ssh://flip@10.20.0.11"],
      ["docker-10.20.0.12", "ssh://root@10.20.0.12:2222"],
    ]);
  });

  it("puts each Loki container and its image on its host, and the gateway, Alloy, Grafana and the APIs on the site's", () => {
    const placed = Object.fromEntries(declaredContainers(declared).map((each) => [each.inputs.name, providerOf(each)]));
    expect(placed).toEqual(Object.fromEntries([
      ["trust-site-loki-write-1", "10.20.0.11"],
      ["trust-site-loki-write-2", "10.20.0.12"],
      ["trust-site-loki-write-3", "10.20.0.11"],
      ["trust-site-loki-backend", "10.20.0.11"],
      ["trust-site-loki-read-1", "10.20.0.12"],
      ["trust-site-loki-read-2", "10.20.0.11"],
      ["trust-site-loki-gateway", "site"],
      ["trust-site-alloy", "site"],
      ["trust-site-grafana", "site"],
      ["trust-site-trust-api", "site"],
      ["trust-site-data-access-api", "site"],
      ["trust-site-imaging-api", "site"],
    ]));
    for (const name of ["loki", "loki-write-2", "loki-read-1", "loki-gateway"]) {
      expect(providerOf(byName("docker:index/remoteImage:RemoteImage", `${name}-image`))).toBe(providerOf(byName("docker:index/container:Container", name)));
    }
  });

  it("creates each writer's and the backend's data directory over SSH on its own host, and Alloy's and Grafana's on the site's", () => {
    const remote = declared.filter((each) => each.type === "command:remote:Command");
    expect(Object.fromEntries(remote.map((each) => [each.name, plain(each.inputs.connection)]))).toMatchObject({
      "loki-backend-data-dir": { host: "10.20.0.11", port: 22, user: "flip" },
      "loki-write-1-data-dir": { host: "10.20.0.11", port: 22, user: "flip" },
      "loki-write-2-data-dir": { host: "10.20.0.12", port: 2222, user: "root" },
      "loki-write-3-data-dir": { host: "10.20.0.11", port: 22, user: "flip" },
    });
    expect(remote).toHaveLength(4);
    expect(remote.find((each) => each.name === "loki-write-2-data-dir")?.inputs.create).toContain("$SUDO chown 10001:10001 '/opt/flip/volumes/loki-write-2'");
    const local = declared.filter((each) => each.type === "command:local:Command").map((each) => each.name);
    expect(local.sort()).toEqual(["alloy-data-dir", "grafana-data-dir"]);
  });

  it("publishes each Loki container's own ports on its host's address, and the gateway on lokiPort", () => {
    expect(list(container("loki-read-1").inputs.ports)).toEqual([
      { internal: 3111, external: 3111, ip: "10.20.0.12" },
      { internal: 9107, external: 9107, ip: "10.20.0.12" },
      { internal: 7957, external: 7957, ip: "10.20.0.12" },
    ]);
    expect(list(container("loki-gateway").inputs.ports)).toEqual([{ internal: 3100, external: 3100, ip: "127.0.0.1" }]);
    expect(list(container("loki-read-1").inputs.networksAdvanced ?? [])).toEqual([]);
  });

  it("keeps the store's key secret and the host's address plain in each Loki container's environment", () => {
    const envs = list(container("loki-write-2").wire.envs);
    expect(envs.filter(isSecretInput).map(plain)).toEqual([`LOKI_S3_SECRET_ACCESS_KEY=${S3_SECRETS.lokiS3SecretAccessKey}`]);
    expect(envs.filter((each) => !isSecretInput(each))).toEqual(["LOKI_INSTANCE_ADDR=10.20.0.12"]);
  });
});
