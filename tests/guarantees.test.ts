/**
 * The production guarantees of a hospital site, each proven on the plan that both `pulumi up`
 * and `npm run render` are derived from.
 */
import * as path from "path";
import { renderAlloyConfig } from "../components/plan/services/alloy";
import { parseSettings, Settings } from "../components/plan/settings";
import { planContainers, stackPlan } from "../components/plan/stack";
import { ContainerSpec } from "../components/plan/shared/spec";
import { loadStackSettings } from "../scripts/render";
import { alloyBlock } from "./helpers/logql";
import { configOf, productionConfig } from "./helpers/settings";

const PROJECT = path.join(__dirname, "..");
const prod = (): Settings => loadStackSettings("prod", PROJECT);
const dev = (): Settings => loadStackSettings("dev", PROJECT);
const byService = (settings: Settings, service: string): ContainerSpec => {
  const spec = planContainers(stackPlan(settings)).find((container) => container.service === service);
  if (!spec) {
    throw new Error(`no ${service}`);
  }
  return spec;
};
const durationSeconds = (value: string): number => {
  const match = /^(\d+)(s|m)$/.exec(value);
  return match ? Number(match[1]) * (match[2] === "m" ? 60 : 1) : NaN;
};

describe("nothing lost", () => {
  it("keeps Loki, Grafana and Alloy data on host directories under the volume root in production", () => {
    const plan = stackPlan(prod());
    expect(plan.loki.nodes[0].data).toMatchObject({ hostPath: "/opt/flip/volumes/loki", uid: 10001, gid: 10001, target: "/loki" });
    expect(plan.data.grafana).toMatchObject({ hostPath: "/opt/flip/volumes/grafana", uid: 472, gid: 0, target: "/var/lib/grafana" });
    expect(plan.data.alloy).toMatchObject({ hostPath: "/opt/flip/volumes/alloy", uid: 0, gid: 0, target: "/var/lib/alloy/data" });
  });

  it("keeps Alloy's read positions on its data mount, so a replaced Alloy neither loses nor repeats lines", () => {
    const alloy = byService(prod(), "alloy");
    expect(alloy.command).toContain("--storage.path=/var/lib/alloy/data");
    expect(alloy.mounts).toContainEqual({ target: "/var/lib/alloy/data", source: "/opt/flip/volumes/alloy", type: "bind", readOnly: false });
  });

  // Alloy v1.9.0's loki.write: max_backoff_retries 0 means retry without end (types.go,
  // EndpointOptions); its default of 10 drops a batch after about 8.5 minutes of a Loki outage.
  it("has Alloy retry a push Loki does not take without end, at most 30 s apart", () => {
    const write = alloyBlock(renderAlloyConfig(prod()), 'loki.write "local"');
    expect(write).toMatch(/max_backoff_retries\s+= 0\n/);
    expect(write).toMatch(/max_backoff_period\s+= "30s"\n/);
  });

  it("sends a line to Loki within 250 ms of reading it, and looks for new containers every second", () => {
    const alloy = renderAlloyConfig(prod());
    expect(alloyBlock(alloy, 'loki.write "local"')).toMatch(/batch_wait\s+= "250ms"\n/);
    expect(alloyBlock(alloy, 'discovery.docker "containers"')).toMatch(/refresh_interval = "1s"\n/);
  });

  it("gives Loki at least 30 seconds to flush on stop, and every container a grace period", () => {
    expect(byService(prod(), "loki").stopGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    for (const spec of planContainers(stackPlan(prod()))) {
      expect(spec.stopGracePeriodSeconds).toBeGreaterThanOrEqual(10);
    }
  });

  it.each([["always"], ["unless-stopped"]])("restarts every production container with %s", (policy) => {
    const settings = parseSettings(productionConfig({ restartPolicy: policy }), "prod");
    expect(new Set(planContainers(stackPlan(settings)).map((spec) => spec.restart))).toEqual(new Set([policy]));
  });

  it("checks Loki's /ready with the busybox wget of the 3.4 image, after a start period longer than its 15 s warm-up", () => {
    const { healthcheck } = byService(prod(), "loki");
    expect(healthcheck?.test).toEqual(["CMD", "/busybox/wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3100/ready"]);
    expect(durationSeconds(healthcheck?.startPeriod ?? "")).toBeGreaterThan(15);
  });

  it("checks Grafana's /api/health", () => {
    expect(byService(prod(), "grafana").healthcheck?.test).toEqual([
      "CMD",
      "wget",
      "-q",
      "--no-check-certificate",
      "-O",
      "/dev/null",
      "https://127.0.0.1:3000/api/health",
    ]);
  });

  it("gives Alloy no healthcheck, as its image has neither wget nor curl", () => {
    expect(byService(prod(), "alloy").healthcheck).toBeNull();
  });

  it("rotates the Docker log of every container with a size cap", () => {
    for (const spec of planContainers(stackPlan(prod()))) {
      expect(spec.logDriver).toEqual({ name: "json-file", options: { "max-file": "5", "max-size": "10m" } });
    }
  });
});

describe("nothing exposed", () => {
  it("publishes Loki on loopback, Grafana on its bind address, and never Alloy", () => {
    expect(byService(prod(), "loki").ports).toEqual([{ internal: 3100, external: 3100, ip: "127.0.0.1" }]);
    expect(byService(prod(), "grafana").ports).toEqual([{ internal: 3000, external: 3000, ip: "0.0.0.0" }]);
    expect(byService(prod(), "alloy").ports).toEqual([]);
  });

  it("turns off Grafana's anonymous access, sign-up, analytics and update checks", () => {
    expect(byService(prod(), "grafana").env).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
      GF_SECURITY_ADMIN_PASSWORD__FILE: "/etc/grafana/secrets/admin-password",
    });
    expect(byService(prod(), "grafana").secretFiles).toEqual([
      { path: "/etc/grafana/secrets/admin-password", secret: { kind: "secret-ref", ref: "grafanaAdminPassword" } },
    ]);
  });

  it.each([["prod"], ["dev"]])("keeps Loki on a network with Alloy and Grafana only, and the %s APIs on one of their own", (stack) => {
    const settings = stack === "prod" ? prod() : dev();
    const plan = stackPlan(settings);
    const members = (network: string) =>
      planContainers(plan)
        .filter((spec) => spec.networks.includes(network))
        .map((spec) => spec.service);
    const lokiNetworks = byService(settings, "loki").networks;
    expect(lokiNetworks).toEqual([plan.networks.logging]);
    expect(members(plan.networks.logging)).toEqual(["loki", "alloy", "grafana"]);
    expect(members(plan.networks.apis)).toEqual(settings.apis.map((api) => api.name));
    for (const api of plan.apis) {
      expect(api.networks).toEqual([plan.networks.apis]);
    }
  });

  it("keeps the APIs' published ports as configured on their own network", () => {
    expect(stackPlan(prod()).apis.map((spec) => spec.ports)).toEqual([
      [{ internal: 8000, external: 8000, ip: "127.0.0.1" }],
      [{ internal: 8010, external: 8010, ip: "127.0.0.1" }],
      [{ internal: 8020, external: 8020, ip: "127.0.0.1" }],
    ]);
  });

  it("turns off Alloy's usage reporting", () => {
    expect(byService(prod(), "alloy").command).toContain("--disable-reporting");
  });

  it("keeps the admin password out of every command line", () => {
    const settings = parseSettings(productionConfig(), "prod");
    for (const spec of planContainers(stackPlan(settings))) {
      expect(JSON.stringify([spec.command, spec.entrypoint ?? [], spec.labels, spec.uploads])).not.toContain("correct-horse-battery");
    }
  });

  it("mounts the Docker socket read-only into Alloy and into nothing else", () => {
    for (const settings of [prod(), dev()]) {
      const holders = planContainers(stackPlan(settings)).filter((spec) =>
        spec.mounts.some((mount) => mount.source === "/var/run/docker.sock"),
      );
      expect(holders.map((spec) => spec.service)).toEqual(["alloy"]);
      expect(holders[0].mounts.find((mount) => mount.source === "/var/run/docker.sock")?.readOnly).toBe(true);
    }
  });

  it("runs Loki, Alloy and Grafana with no capabilities and no privilege escalation", () => {
    for (const service of ["loki", "alloy", "grafana"]) {
      const spec = byService(prod(), service);
      expect(spec.capabilities).toEqual({ drop: ["ALL"], add: [] });
      expect(spec.securityOpts).toEqual(["no-new-privileges:true"]);
    }
  });

  it("runs Loki and Grafana as their image users, not root", () => {
    expect(byService(prod(), "loki").user).toBe("10001:10001");
    expect(byService(prod(), "grafana").user).toBe("472:0");
  });

  it("refuses privilege escalation in the API containers too", () => {
    for (const api of ["trust-api", "data-access-api", "imaging-api"]) {
      expect(byService(prod(), api).securityOpts).toEqual(["no-new-privileges:true"]);
    }
  });
});

describe("what Alloy collects", () => {
  const withCollect = (collect: string): Settings => parseSettings(configOf({ collect }), "dev");

  it("with collect: labelled, only containers carrying org.flip.logging.enabled=true are discovered", () => {
    expect(renderAlloyConfig(withCollect("labelled"))).toContain(
      ['  filter {', '    name   = "label"', '    values = ["org.flip.logging.enabled=true"]', "  }"].join("\n"),
    );
  });

  it("with collect: all, discovery has no filter", () => {
    expect(renderAlloyConfig(withCollect("all"))).not.toContain("filter {");
  });

  it("the API containers carry exactly the label the labelled mode filters on", () => {
    expect(byService(prod(), "trust-api").labels["org.flip.logging.enabled"]).toBe("true");
  });

  it.each([["loki"], ["alloy"], ["grafana"]])("the stack's own %s container carries it too, named by its service, so its failures are collected", (service) => {
    expect(byService(prod(), service).labels).toEqual({
      "org.flip.logging.enabled": "true",
      "org.flip.project": "trust-site",
      "org.flip.service": service,
    });
  });

  it("production collects only labelled containers unless the stack says otherwise; development collects all", () => {
    expect(parseSettings(productionConfig(), "prod").collect).toBe("labelled");
    expect(parseSettings(configOf({}), "dev").collect).toBe("all");
  });

  it("request_id is parsed but never promoted to a label", () => {
    const alloy = renderAlloyConfig(prod());
    const labelsBlock = alloyBlock(alloy, "stage.labels");
    expect(labelsBlock).toMatch(/api\s+= ""/);
    expect(labelsBlock).not.toContain("request_id");
    expect(alloy).toMatch(/request_id\s+= ""/);
  });
});

describe("the dashboard's API dropdown", () => {
  const dropdown = (settings: Settings): string[] => {
    const grafana = byService(settings, "grafana");
    const dashboard = JSON.parse(grafana.uploads.find((upload) => upload.path.endsWith("trust-apis.json"))?.content ?? "{}");
    const api = dashboard.templating.list.find((variable: { name: string }) => variable.name === "api");
    return api.options.map((option: { text: string }) => option.text);
  };

  it("lists the stack's own APIs, a fourth one included", () => {
    const apis = [
      { name: "trust-api", image: "flip/trust-api:1" },
      { name: "billing-api", image: "flip/billing-api:1" },
    ];
    expect(dropdown(parseSettings(configOf({ apis: JSON.stringify(apis) }), "dev"))).toEqual([
      "All",
      "trust-api",
      "billing-api",
    ]);
  });

  it("lists the three FLIP APIs for a stack that runs no API containers itself", () => {
    expect(dropdown(parseSettings(configOf({ apis: "[]" }), "dev"))).toEqual([
      "All",
      "trust-api",
      "data-access-api",
      "imaging-api",
    ]);
  });
});
