/**
 * The Trust APIs dashboard. Its source of truth is the native Grafana file
 * `config-files/grafana/provisioning/dashboards/trust-apis.json`; per stack only the `api`
 * dropdown changes, so a site that runs a fourth API can pick it.
 */
import * as fs from "fs";
import * as path from "path";

/** Where the dashboard lives, relative to the repository root. */
export const TRUST_APIS_DASHBOARD_PATH = path.join("config-files", "grafana", "provisioning", "dashboards", "trust-apis.json");

/** One query of a panel, as Grafana stores it. */
export interface PanelQuery {
  /** Panel id. */
  panelId: number;
  /** Panel title. */
  panelTitle: string;
  /** Query ref id within the panel (A, B, ...). */
  refId: string;
  /** The LogQL expression, with Grafana variables still in it. */
  expr: string;
  /** `range` or `instant`. */
  queryType: string;
}

interface Target {
  refId: string;
  /** Absent on a target that reuses another panel's data (`-- Dashboard --`). */
  expr?: string;
  queryType?: string;
}

interface Panel {
  id: number;
  title: string;
  targets?: Target[];
  panels?: Panel[];
}

interface CustomVariable {
  name: string;
  query: string;
  options: Array<{ selected: boolean; text: string; value: string }>;
  current: { selected: boolean; text: string[]; value: string[] };
}

interface Dashboard {
  panels: Panel[];
  templating: { list: CustomVariable[] };
}

// The contract's rule for an API name; anything else would break the custom variable's
// comma-separated list or the `api` label it is matched against.
const API_NAME = /^[a-z][a-z0-9-]*$/;

/** The dashboard file as Grafana would read it, unrendered. */
export function readTrustApisDashboard(): Dashboard {
  const file = path.join(__dirname, "..", "..", TRUST_APIS_DASHBOARD_PATH);
  return JSON.parse(fs.readFileSync(file, "utf8")) as Dashboard;
}

/** The Trust APIs dashboard for a stack whose APIs are `apiNames`, as deterministic JSON text. */
export function renderTrustApisDashboard(apiNames: readonly string[]): string {
  if (apiNames.length === 0) throw new Error("`apis` must list at least one API for the dashboard's `api` dropdown");
  for (const name of apiNames) {
    if (!API_NAME.test(name)) {
      throw new Error(`\`apis\` has the name ${JSON.stringify(name)}: the dashboard needs lower-case letters, digits and '-', starting with a letter`);
    }
  }
  const names = [...new Set(apiNames)];
  const dashboard = readTrustApisDashboard();
  const api = dashboard.templating.list.find((v) => v.name === "api");
  if (!api) throw new Error(`${TRUST_APIS_DASHBOARD_PATH} has no \`api\` variable`);
  api.query = names.join(",");
  api.current = { selected: true, text: ["All"], value: ["$__all"] };
  api.options = [
    { selected: true, text: "All", value: "$__all" },
    ...names.map((name) => ({ selected: false, text: name, value: name })),
  ];
  return JSON.stringify(dashboard, null, 2) + "\n";
}

/** Every Loki query of every panel (rows included), in panel order; a panel that reuses another's data has none. */
export function panelQueries(dashboardJson: string): PanelQuery[] {
  const dashboard = JSON.parse(dashboardJson) as Dashboard;
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((panel) =>
    (panel.targets ?? []).flatMap((target) =>
      target.expr === undefined
        ? []
        : [{ panelId: panel.id, panelTitle: panel.title, refId: target.refId, expr: target.expr, queryType: target.queryType ?? "range" }],
    ),
  );
}
