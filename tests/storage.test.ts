/**
 * Loki on object storage: the settings of each store, the config file Loki 3.4.0 is given for it,
 * and the container the program declares, under Pulumi's mocks.
 */
import * as YAML from "yaml";
import { parseSettings } from "../components/plan/settings";
import { bucketNameProblem, containerNameProblem, endpointProblem, FILESYSTEM_PERIOD_FROM } from "../components/plan/settings/storage";
import { LOKI_CONFIG, LOKI_SECRET_ENV, renderLokiConfig } from "../components/plan/services/loki";
import { readTemplate } from "../components/plan/shared/templates";
import { planContainers, renderPlanFiles, stackPlan } from "../components/plan/stack";
import { AZURE_SECRETS, AZURE_STACK, PRODUCTION_BASE, PRODUCTION_SECRETS, S3_SECRETS, S3_STACK } from "./helpers/bad-settings";
import { configOf } from "./helpers/settings";
import { declaredContainer, isSecretInput, list, plain, tryProgram } from "./helpers/program";

type Doc = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const settingsOf = (values: Record<string, string>, secrets: Record<string, string>) =>
  parseSettings(configOf({ ...PRODUCTION_BASE, ...values }, { ...PRODUCTION_SECRETS, ...secrets }), "prod");

const STORES = {
  filesystem: settingsOf({}, {}),
  s3: settingsOf(S3_STACK, S3_SECRETS),
  azure: settingsOf(AZURE_STACK, AZURE_SECRETS),
};

const lokiConfigOf = (store: keyof typeof STORES): Doc => YAML.parse(renderLokiConfig(STORES[store]));

describe("the storage settings", () => {
  it("default to the host's disk, addressing a bucket by path, on Azure's public cloud", () => {
    expect(STORES.filesystem).toMatchObject({ lokiStorage: "filesystem", lokiS3PathStyle: true, lokiAzureEndpointSuffix: "blob.core.windows.net" });
  });

  it("keep the secret keys marked secret, and read the rest as given", () => {
    expect(STORES.s3).toMatchObject({ ...S3_STACK, lokiS3SecretAccessKey: { kind: "secret-text", text: S3_SECRETS.lokiS3SecretAccessKey } });
    expect(STORES.azure).toMatchObject({ ...AZURE_STACK, lokiAzureAccountKey: { kind: "secret-text", text: AZURE_SECRETS.lokiAzureAccountKey } });
  });

  it("take an endpoint's trailing slash off, and plain HTTP outside production", () => {
    expect(settingsOf({ ...S3_STACK, lokiS3Endpoint: "https://s3.trust.nhs.uk:9000/" }, S3_SECRETS).lokiS3Endpoint).toBe("https://s3.trust.nhs.uk:9000");
    expect(endpointProblem("http://minio:9000", false)).toBeUndefined();
    expect(endpointProblem("http://minio:9000", true)).toMatch(/^`https:\/\/` in production/);
    expect(endpointProblem("ftp://minio", false)).toMatch(/URL/);
    expect(endpointProblem("https://key:secret@minio", false)).toMatch(/only a scheme, a host and a port/);
    expect(endpointProblem("https://minio/?x=1", false)).toMatch(/only a scheme, a host and a port/);
  });

  it.each([
    ["flip-logs", true],
    ["flip.logs.leeds", true],
    ["abc", true],
    ["ab", false],
    ["a".repeat(64), false],
    ["-flip", false],
    ["flip-", false],
    ["flip..logs", false],
    ["Flip", false],
    ["flip_logs", false],
    ["10.0.0.1", false],
    ["xn--flip", false],
    ["sthree-flip", false],
    ["flip-s3alias", false],
    ["flip--ol-s3", false],
  ])("takes %j as an S3 bucket name: %s", (name, allowed) => {
    expect(bucketNameProblem(name) === undefined).toBe(allowed);
  });

  it.each([
    ["flip-logs", true],
    ["abc", true],
    ["a1-b2-c3", true],
    ["ab", false],
    ["a".repeat(64), false],
    ["-flip", false],
    ["flip-", false],
    ["flip--logs", false],
    ["flip.logs", false],
    ["FLIP", false],
  ])("takes %j as an Azure container name: %s", (name, allowed) => {
    expect(containerNameProblem(name) === undefined).toBe(allowed);
  });

  it("date the filesystem period as the Loki config file does", () => {
    expect(YAML.parse(readTemplate(LOKI_CONFIG.file).replace(/\{\{[^}]*\}\}/g, "")).schema_config.configs[0].from).toBe(FILESYSTEM_PERIOD_FROM);
  });
});

describe("Loki's config on each store", () => {
  it("keeps the filesystem site's config as it was: one period, chunks under /loki", () => {
    const config = lokiConfigOf("filesystem");
    expect(config.common.storage).toEqual({ filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } });
    expect(config.schema_config.configs.map((period: Doc) => period.object_store)).toEqual(["filesystem"]);
    expect(config.storage_config).toBeUndefined();
    expect(config.compactor.delete_request_store).toBe("filesystem");
    expect(renderLokiConfig(STORES.filesystem)).not.toContain("$");
  });

  it("gives S3 with Loki 3.4.0's keys, the secret as a reference to the environment", () => {
    expect(lokiConfigOf("s3").common.storage).toEqual({
      s3: {
        endpoint: "https://s3.trust.nhs.uk:9000",
        insecure: false,
        bucketnames: "flip-logs",
        region: "eu-west-2",
        access_key_id: "FLIPLOKI",
        secret_access_key: `\${${LOKI_SECRET_ENV.s3}}`,
        s3forcepathstyle: true,
      },
    });
  });

  it("switches the S3 client to plain HTTP for an http:// endpoint, and to host-style addressing when asked", () => {
    const settings = parseSettings(
      configOf({ ...S3_STACK, lokiS3Endpoint: "http://minio:9000", lokiS3PathStyle: "false" }, S3_SECRETS),
      "dev",
    );
    expect(YAML.parse(renderLokiConfig(settings)).common.storage.s3).toMatchObject({ endpoint: "http://minio:9000", insecure: true, s3forcepathstyle: false });
  });

  it("gives Azure with Loki 3.4.0's keys, the account key as a reference to the environment", () => {
    expect(lokiConfigOf("azure").common.storage).toEqual({
      azure: {
        account_name: "leedsflip",
        account_key: `\${${LOKI_SECRET_ENV.azure}}`,
        container_name: "flip-logs",
        endpoint_suffix: "blob.core.windows.net",
      },
    });
  });

  it.each(["s3", "azure"] as const)("on %s, keeps the days before lokiStorageSince readable on disk and ships TSDB to the store after", (store) => {
    const config = lokiConfigOf(store);
    expect(config.schema_config.configs).toEqual([
      { from: FILESYSTEM_PERIOD_FROM, store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } },
      { from: "2026-12-10", store: "tsdb", object_store: store, schema: "v13", index: { prefix: "index_", period: "24h" } },
    ]);
    expect(config.storage_config).toEqual({ filesystem: { directory: "/loki/chunks" } });
  });

  it.each(["s3", "azure"] as const)("on %s, runs retention in the compactor and keeps delete requests in the store", (store) => {
    const config = lokiConfigOf(store);
    expect(config.compactor).toMatchObject({ retention_enabled: true, delete_request_store: store });
    expect(config.limits_config.retention_period).toBe("720h");
  });

  it.each(["s3", "azure"] as const)("on %s, holds no secret and no other environment reference", (store) => {
    const text = renderLokiConfig(STORES[store]);
    for (const secret of [...Object.values(S3_SECRETS), ...Object.values(AZURE_SECRETS), ...Object.values(PRODUCTION_SECRETS)]) {
      expect(text).not.toContain(secret);
    }
    expect(text.match(/\$\{?[A-Za-z0-9_]*/g)).toEqual([`\${${LOKI_SECRET_ENV[store]}`]);
    expect(text.split("\n")[0]).toContain(store === "s3" ? "S3-compatible object storage" : "Azure Blob object storage");
  });

  it("is byte-identical for the same settings", () => {
    expect(renderLokiConfig(settingsOf(S3_STACK, S3_SECRETS))).toBe(renderLokiConfig(STORES.s3));
  });
});

describe("Loki's container on each store", () => {
  it("reads its environment only with an object store, which passes the key there as a secret", () => {
    const loki = (store: keyof typeof STORES) => stackPlan(STORES[store]).loki.nodes[0].spec;
    expect(loki("filesystem").command).toEqual([`-config.file=${LOKI_CONFIG.path}`]);
    expect(loki("filesystem").env).toEqual({});
    expect(loki("s3").command).toEqual([`-config.file=${LOKI_CONFIG.path}`, "-config.expand-env=true"]);
    expect(loki("s3").env).toEqual({ [LOKI_SECRET_ENV.s3]: { kind: "secret-text", text: S3_SECRETS.lokiS3SecretAccessKey } });
    expect(loki("azure").env).toEqual({ [LOKI_SECRET_ENV.azure]: { kind: "secret-text", text: AZURE_SECRETS.lokiAzureAccountKey } });
  });

  it("keeps its data volume for the write-ahead log, the index cache and the compactor", () => {
    expect(stackPlan(STORES.s3).loki.nodes[0].spec.mounts).toEqual(stackPlan(STORES.filesystem).loki.nodes[0].spec.mounts);
  });

  it("writes no secret into containers.json, which shows the key as [secret]", () => {
    const files = renderPlanFiles(stackPlan(STORES.s3));
    const text = Object.values(files).join("\n");
    expect(text).not.toContain(S3_SECRETS.lokiS3SecretAccessKey);
    const described = JSON.parse(files["containers.json"]).find((spec: Doc) => spec.service === "loki");
    expect(described.env).toEqual({ [LOKI_SECRET_ENV.s3]: "[secret]" });
  });

  it("changes nothing but Loki when a site moves to S3", () => {
    const before = planContainers(stackPlan(STORES.filesystem));
    const after = planContainers(stackPlan(STORES.s3));
    const changed = after.filter((spec, i) => JSON.stringify(spec) !== JSON.stringify(before[i])).map((spec) => spec.service);
    expect(changed).toEqual(["loki"]);
  });
});

describe("the program on each store, under mocks", () => {
  it.each([
    ["s3", S3_STACK, S3_SECRETS, LOKI_SECRET_ENV.s3],
    ["azure", AZURE_STACK, AZURE_SECRETS, LOKI_SECRET_ENV.azure],
  ])("on %s, hands Docker the key as a secret inside Loki's environment, the rest readable", async (_, values, secrets, name) => {
    const all = { ...PRODUCTION_SECRETS, ...secrets };
    const { error, declared } = await tryProgram("prod", { values: { ...PRODUCTION_BASE, ...values, ...all }, secrets: Object.keys(all) });
    expect(error).toBeUndefined();
    const loki = declaredContainer(declared, "leeds-loki");
    expect(isSecretInput(loki.wire.envs)).toBe(false);
    const envs = list(loki.wire.envs);
    expect(envs).toHaveLength(1);
    expect(isSecretInput(envs[0])).toBe(true);
    expect(plain(envs[0])).toBe(`${name}=${Object.values(secrets)[0]}`);
    const config = list(loki.wire.uploads).find((upload) => upload.file === LOKI_CONFIG.path);
    expect(isSecretInput(config.content)).toBe(false);
    expect(plain(config.content)).not.toContain(Object.values(secrets)[0]);
  });
});
