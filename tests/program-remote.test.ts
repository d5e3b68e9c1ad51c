/** A site whose Docker engine is on another host: the provider and the data-directory commands go there. */
import { TLS } from "./helpers/tls";
import { DeclaredResource, mockStack, plain, runProgram, stackFileConfig } from "./helpers/program";

const declared: DeclaredResource[] = mockStack(
  "prod",
  stackFileConfig("prod", {
    values: {
      grafanaAdminPassword: "correct-horse-battery",
      dockerHost: "ssh://flip@logs.trust.local:2222",
      grafanaTlsCertificate: TLS.validCertificate,
      grafanaTlsKey: TLS.validKey,
    },
    secrets: ["grafanaAdminPassword", "grafanaTlsKey"],
  }),
);

beforeAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await runProgram(() => require("../index"));
});

describe("a production site with an ssh:// Docker host", () => {
  it("talks to that Docker engine through one explicit provider", () => {
    const providers = declared.filter((r) => r.type === "pulumi:providers:docker");
    expect(providers.map((p) => p.inputs.host)).toEqual(["ssh://flip@logs.trust.local:2222"]);
    const dockerResources = declared.filter((r) => r.type.startsWith("docker:index/"));
    expect(dockerResources.length).toBeGreaterThan(0);
    for (const resource of dockerResources) {
      expect(resource.provider).toMatch(/pulumi:providers:docker::docker::/);
    }
  });

  it("creates the data directories on that host over SSH, not on the machine running Pulumi", () => {
    expect(declared.filter((r) => r.type === "command:local:Command")).toEqual([]);
    const remote = declared.filter((r) => r.type === "command:remote:Command");
    expect(remote.map((r) => r.name).sort()).toEqual(["alloy-data-dir", "grafana-data-dir", "loki-data-dir"]);
    for (const command of remote) {
      expect(plain(command.inputs.connection)).toMatchObject({ host: "logs.trust.local", port: 2222, user: "flip" });
    }
    expect(remote.find((r) => r.name === "loki-data-dir")?.inputs.create).toContain("chown 10001:10001 '/opt/flip/volumes/loki'");
  });
});
