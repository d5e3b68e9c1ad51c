/**
 * The prod stack moved to S3 and Loki's scalable mode, under Pulumi's mocks, through the CLI's
 * config merge (so `Pulumi.yaml`'s defaults reach it as `pulumi up` gives them): what the
 * program declares for each Loki container, in which order, and what stays secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { TLS } from "./helpers/tls";
import { S3_SECRETS, S3_STACK } from "./helpers/bad-settings";
import { declaredContainer, declaredContainers, DeclaredOptions, DeclaredResource, isSecretInput, list, mockStack, plain, runProgram, stackFileConfig } from "./helpers/program";

const secrets = { grafanaAdminPassword: "correct-horse-battery-staple", grafanaTlsKey: TLS.validKey, ...S3_SECRETS };
const declared: DeclaredResource[] = mockStack(
  "prod",
  stackFileConfig("prod", {
    values: { ...S3_STACK, lokiStorageSince: "2024-01-02", lokiMode: "scalable", grafanaTlsCertificate: TLS.validCertificate, ...secrets },
    secrets: Object.keys(secrets),
  }),
);

let options: DeclaredOptions;

beforeAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ({ options } = await runProgram(() => require("../index")));
});

const container = (name: string) => declaredContainer(declared, `trust-site-${name}`);
const dependsOnNames = (resource: string) =>
  ((options.get(`docker:index/container:Container ${resource}`)?.dependsOn as pulumi.Resource[]) ?? []).map(
    (each) => (each as unknown as { __name: string }).__name,
  );

describe("a scalable prod stack under mocks", () => {
  it("declares seven Loki containers, the first writer under the single Loki's name in the program", () => {
    const loki = declaredContainers(declared).filter((each) => each.inputs.name.startsWith("trust-site-loki"));
    expect(loki.map((each) => [each.name, each.inputs.name])).toEqual([
      ["loki", "trust-site-loki-write-1"],
      ["loki-write-2", "trust-site-loki-write-2"],
      ["loki-write-3", "trust-site-loki-write-3"],
      ["loki-backend", "trust-site-loki-backend"],
      ["loki-read-1", "trust-site-loki-read-1"],
      ["loki-read-2", "trust-site-loki-read-2"],
      ["loki-gateway", "trust-site-loki-gateway"],
    ]);
  });

  it("creates a host directory for each writer and the backend, owned by Loki's uid, and keeps the single Loki's for the first writer", () => {
    const scripts = Object.fromEntries(declared.filter((each) => each.type === "command:local:Command").map((each) => [each.name, each.inputs.create as string]));
    expect(Object.keys(scripts).sort()).toEqual(["alloy-data-dir", "grafana-data-dir", "loki-backend-data-dir", "loki-data-dir", "loki-write-2-data-dir", "loki-write-3-data-dir"]);
    expect(scripts["loki-data-dir"]).toContain("'/opt/flip/volumes/loki'");
    expect(scripts["loki-write-2-data-dir"]).toContain("$SUDO chown 10001:10001 '/opt/flip/volumes/loki-write-2'");
  });

  it("starts writers after their directory, readers after the backend, the gateway after every Loki, Alloy and Grafana after the gateway", () => {
    expect(dependsOnNames("loki-write-2")).toEqual(["network", "loki-write-2-data-dir"]);
    expect(dependsOnNames("loki-read-1")).toEqual(["network", "loki-backend"]);
    expect(dependsOnNames("loki-gateway")).toEqual(["network", "loki", "loki-write-2", "loki-write-3", "loki-backend", "loki-read-1", "loki-read-2"]);
    for (const service of ["alloy", "grafana"]) expect(dependsOnNames(service)).toContain("loki-gateway");
  });

  it("gives each container its role's alias on the logging network, waits until healthy, and replaces by deleting first", () => {
    expect(list(container("loki-write-3").inputs.networksAdvanced)).toEqual([{ name: "trust-site-logging", aliases: ["loki-write"] }]);
    expect(list(container("loki-read-2").inputs.networksAdvanced)).toEqual([{ name: "trust-site-logging", aliases: ["loki-read"] }]);
    for (const name of ["loki", "loki-read-1", "loki-gateway"]) {
      expect(options.get(`docker:index/container:Container ${name}`)).toMatchObject({ deleteBeforeReplace: true });
    }
    expect(container("loki-gateway").inputs).toMatchObject({ wait: true, user: "101:101" });
  });

  it("publishes only the gateway on Loki's port", () => {
    const published = declaredContainers(declared).filter((each) => list(each.inputs.ports ?? []).some((port) => port.external === 3100));
    expect(published.map((each) => each.inputs.name)).toEqual(["trust-site-loki-gateway"]);
  });

  it("hands every Loki process the store's key as a secret env entry, and the gateway none", () => {
    for (const name of ["loki-write-1", "loki-backend", "loki-read-1"]) {
      const envs = list(container(name).wire.envs);
      expect(envs).toHaveLength(1);
      expect(isSecretInput(envs[0])).toBe(true);
      expect(plain(envs[0])).toBe(`LOKI_S3_SECRET_ACCESS_KEY=${S3_SECRETS.lokiS3SecretAccessKey}`);
    }
    expect(list(container("loki-gateway").inputs.envs ?? [])).toEqual([]);
  });
});
