/**
 * The Trust APIs dashboard, built with Grafana's Foundation SDK: the panels, their layout and
 * display. Its LogQL queries live in `dashboard-queries.ts`. Per stack only the `api` dropdown
 * changes, so a site that runs a fourth API can pick it.
 */
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as datasource from "@grafana/grafana-foundation-sdk/datasource";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import * as queries from "./dashboard-queries";
import { LOG_LEVELS } from "../settings/core";
import { LOKI_DATASOURCE_UID } from "../shared/names";
import { sortKeys } from "../shared/spec";

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

// The SDK writes schema 41, Grafana 11.6's; the grafana/grafana:11.5 image the stack runs migrates
// dashboards up to 40, and reads this one as it is.
const GRAFANA_11_5_SCHEMA_VERSION = 40;

// The contract's rule for an API name; anything else would break the custom variable's
// comma-separated list or the `api` label it is matched against.
const API_NAME = /^[a-z][a-z0-9-]*$/;

const LOKI: dashboard.DataSourceRef = { type: "loki", uid: LOKI_DATASOURCE_UID };
/** Grafana's built-in datasource that hands one panel's query results to another. */
export const DASHBOARD_DATASOURCE: dashboard.DataSourceRef = { type: "datasource", uid: "-- Dashboard --" };

// A time series panel's minimum step, which is also the window of its `$__interval` queries:
// Loki caches results per step, so a refresh recomputes only the newest minute.
const ONE_MINUTE = "1m";

/** The panel Request rate, Active APIs and Status codes reuse: its queries are the dashboard's only count of request lines. */
const REQUEST_RATE_BY_API_PANEL_ID = 5;
/** Its targets: completed requests by API and status code, failed requests by API, and zero at every step. */
const COMPLETED = "A";
const FAILED = "B";
const ZERO = "C";
/** The targets of panel 5 that count requests, as a refId pattern (Grafana reads `A|B` as either). */
const REQUEST_TARGETS = `${COMPLETED}|${FAILED}`;

/** The columns of the slowest-requests table, in order: fields of the log contract and Grafana's `Time`. */
const SLOW_REQUEST_COLUMNS = ["Time", "api", "method", "path", "status_code", "duration_ms", "request_id"];

/** A Loki query in code mode. */
function lokiQuery(refId: string, expr: string, queryType: loki.LokiQueryType): loki.DataqueryBuilder {
  return new loki.DataqueryBuilder().refId(refId).datasource(LOKI).editorMode(loki.QueryEditorMode.Code).expr(expr).queryType(queryType);
}

/** A target that takes another panel's query results instead of querying Loki. */
function reuse(panelId: number): datasource.DataqueryBuilder {
  return new datasource.DataqueryBuilder().refId("A").datasource(DASHBOARD_DATASOURCE).panelId(panelId);
}

/** Absolute thresholds: `base` below the first step, then each `[value, color]` from its value up. */
function thresholds(base: string, ...steps: Array<[number, string]>): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))]);
}

/** Latency colours: orange from 500 ms, red from 1 s. */
const latencyThresholds = () => thresholds("green", [500, "orange"], [1000, "red"]);

const colorMode = (mode: dashboard.FieldColorModeId) => new dashboard.FieldColorBuilder().mode(mode);

/**
 * What every panel states first: its id, title, description, size on the 24-column grid and the
 * Loki datasource. The dashboard places it after the panel before it.
 */
function panel<P extends stat.PanelBuilder | timeseries.PanelBuilder | table.PanelBuilder | logs.PanelBuilder>(
  builder: P,
  id: number,
  title: string,
  description: string,
  size: { width: number; height: number },
): P {
  builder.id(id).title(title).description(description).span(size.width).height(size.height).datasource(LOKI);
  return builder;
}

/** A stat in the top row (a quarter of the width): one number, coloured by its thresholds. */
function statPanel(id: number, title: string, description: string): stat.PanelBuilder {
  return panel(new stat.PanelBuilder(), id, title, description, { width: 6, height: 4 })
    .colorScheme(colorMode(dashboard.FieldColorModeId.Thresholds))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None)
    .justifyMode(common.BigValueJustifyMode.Auto)
    .orientation(common.VizOrientation.Auto)
    .showPercentChange(false)
    .textMode(common.BigValueTextMode.Auto)
    .wideLayout(true);
}

/** What a stat shows of its series: `calcs` of the fields matching `fields` (all numeric ones when empty). */
function reduce(calcs: string[], fields = ""): common.ReduceDataOptionsBuilder {
  return new common.ReduceDataOptionsBuilder().calcs(calcs).fields(fields).values(false);
}

/** A time series at half the width, per minute, from 0, with a table legend of means and maxima. */
function timeSeriesPanel(id: number, title: string, description: string): timeseries.PanelBuilder {
  return panel(new timeseries.PanelBuilder(), id, title, description, { width: 12, height: 8 })
    .interval(ONE_MINUTE)
    .colorScheme(colorMode(dashboard.FieldColorModeId.PaletteClassic))
    .axisBorderShow(false)
    .axisPlacement(common.AxisPlacement.Auto)
    .drawStyle(common.GraphDrawStyle.Line)
    .fillOpacity(10)
    .gradientMode(common.GraphGradientMode.None)
    .lineInterpolation(common.LineInterpolation.Linear)
    .lineWidth(1)
    .pointSize(4)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false)
    .stacking(new common.StackingConfigBuilder().group("A").mode(common.StackingMode.None))
    .min(0)
    .thresholds(thresholds("green"))
    .legend(
      new common.VizLegendOptionsBuilder()
        .calcs(["mean", "max"])
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

/** A full-width list of log lines, newest first, wrapped, with details on click. */
function logsPanel(id: number, title: string, description: string, height: number): logs.PanelBuilder {
  return panel(new logs.PanelBuilder(), id, title, description, { width: 24, height })
    .dedupStrategy(common.LogsDedupStrategy.None)
    .enableLogDetails(true)
    .prettifyLogMessage(false)
    .showCommonLabels(false)
    .showLabels(false)
    .showTime(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .wrapLogMessage(true)
    .enableInfiniteScrolling(false);
}

/** Fixed colour for the series whose name matches `regexp`. */
function seriesColor(regexp: string, color: string): { matcher: dashboard.MatcherConfig; properties: dashboard.DynamicConfigValue[] } {
  return { matcher: { id: "byRegexp", options: regexp }, properties: [{ id: "color", value: { fixedColor: color, mode: dashboard.FieldColorModeId.Fixed } }] };
}

/** The table of completed requests of 1 s or more, its columns in a fixed order, sorted by duration as a number. */
function slowestRequestsPanel(id: number): table.PanelBuilder {
  return panel(
    new table.PanelBuilder(),
    id,
    "Slowest requests (1 s or longer, slowest first)",
    "Completed requests that took 1000 ms or more, sorted by duration_ms as a number, slowest first. The table holds at most the newest 1000 such requests of the time range: on a busy site, narrow the time range to find the slowest of an earlier period. An empty table means no request took 1 s or longer.",
    { width: 24, height: 9 },
  )
    .align(common.FieldTextAlignment.Auto)
    .cellOptions({ type: common.TableCellDisplayMode.Auto })
    .filterable(true)
    .inspect(false)
    .thresholds(thresholds("green"))
    .overrideByName("duration_ms", [
      { id: "unit", value: "ms" },
      { id: "custom.cellOptions", value: { type: common.TableCellDisplayMode.ColorText } },
      { id: "thresholds", value: thresholds("orange", [5000, "red"]).build() },
    ])
    .overrideByName("Time", [{ id: "custom.width", value: 190 }])
    .cellHeight(common.TableCellHeight.Sm)
    // The footer's field list is left out: the SDK types it as a list, Grafana writes "", and a hidden footer reads neither.
    .footer(new common.TableFooterOptionsBuilder().countRows(false).reducer(["sum"]).show(false))
    .showHeader(true)
    .sortBy([new common.TableSortByFieldStateBuilder().desc(true).displayName("duration_ms")])
    .withTarget(lokiQuery("A", queries.SLOWEST_REQUESTS, loki.LokiQueryType.Range).maxLines(1000))
    .transformations([
      { id: "extractFields", options: { source: "labels", format: "auto", replace: false, keepTime: false } },
      {
        id: "convertFieldType",
        options: {
          conversions: ["duration_ms", "status_code"].map((targetField) => ({ targetField, destinationType: "number" })),
          fields: {},
        },
      },
      { id: "filterFieldsByName", options: { include: { names: SLOW_REQUEST_COLUMNS } } },
      {
        id: "organize",
        options: { excludeByName: {}, renameByName: {}, indexByName: Object.fromEntries(SLOW_REQUEST_COLUMNS.map((name, index) => [name, index])) },
      },
      { id: "sortBy", options: { fields: {}, sort: [{ field: "duration_ms", desc: true }] } },
    ]);
}

/** Grafana transformations that turn the series of the targets `refIds` into one table: a row per point, with its time, value and label `label`. */
function seriesAsRows(label: string, refIds: string): dashboard.DataTransformerConfig[] {
  return [
    { id: "filterByRefId", options: { include: refIds } },
    { id: "labelsToFields", options: { mode: "columns", keepLabels: [label] } },
    { id: "merge", options: {} },
  ];
}

/**
 * Grafana transformations that add up the series of the targets `refIds` and of the zero target
 * per value of their label `label`, into one frame of a time column and a column per value, which
 * a time series panel draws as a line per value. The zero target gives every step a row, so a
 * value without a point at a step shows 0 there; its own column is dropped.
 */
function seriesAddedUpBy(label: string, refIds: string): dashboard.DataTransformerConfig[] {
  // groupingToMatrix names its row column "<row field>\<column field>" and makes it text.
  const rowColumn = `Time\\${label}`;
  return [
    ...seriesAsRows(label, `${refIds}|${ZERO}`),
    {
      id: "groupBy",
      options: { fields: { Time: { operation: "groupby" }, [label]: { operation: "groupby" }, Value: { operation: "aggregate", aggregations: ["sum"] } } },
    },
    { id: "groupingToMatrix", options: { columnField: label, rowField: "Time", valueField: "Value (sum)", emptyValue: "zero" } },
    { id: "convertFieldType", options: { conversions: [{ targetField: rowColumn, destinationType: "time" }], fields: {} } },
    { id: "organize", options: { excludeByName: { [queries.EVERY_STEP_SERIES]: true }, indexByName: {}, renameByName: { [rowColumn]: "Time" } } },
    { id: "sortBy", options: { fields: {}, sort: [{ field: "Time", desc: false }] } },
  ];
}

/** A multi-value dropdown of fixed values, All selected, All matching every non-empty value. */
function dropdown(name: string, label: string, description: string, values: readonly string[]): dashboard.CustomVariableBuilder {
  const all = { selected: true, text: "All", value: "$__all" };
  return new dashboard.CustomVariableBuilder(name)
    .label(label)
    .description(description)
    .values(values.join(","))
    .multi(true)
    .includeAll(true)
    .allValue(".+")
    .current({ selected: true, text: [all.text], value: [all.value] })
    .options([all, ...values.map((value) => ({ selected: false, text: value, value }))])
    .hide(dashboard.VariableHide.DontHide);
}

/** The dashboard for the stack's API names; the panels flow left to right, a new row when 24 columns are full. */
function trustApisDashboard(apiNames: readonly string[]): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder("Trust APIs")
    .uid("flip-trust-apis")
    .id(null)
    .version(1)
    .description("Requests, errors, latency and logs of the FLIP Trust APIs on this site, from Loki.")
    .tags(["flip", "loki", "trust-apis"])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .fiscalYearStartMonth(0)
    .liveNow(false)
    .weekStart("")
    .timezone("browser")
    .time({ from: "now-6h", to: "now" })
    .refresh("1m")
    .timepicker(new dashboard.TimePickerBuilder().refreshIntervals(["30s", "1m", "5m", "15m", "30m", "1h"]))
    .links([])
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .builtIn(1)
        .datasource({ type: "grafana", uid: "-- Grafana --" })
        .enable(true)
        .hide(true)
        .iconColor("rgba(0, 211, 255, 1)")
        .name("Annotations & Alerts")
        .type("dashboard"),
    )
    .withVariable(dropdown(queries.API_VARIABLE, "API", "The Trust APIs to show; All matches every API name (.+).", apiNames))
    .withVariable(dropdown(queries.LEVEL_VARIABLE, "Level (All logs)", "Levels shown in the All logs panel.", LOG_LEVELS))
    .withPanel(
      statPanel(
        1,
        "Request rate",
        "Requests per second across the selected APIs: the per-minute total of Request rate by API, whose data this panel reuses without a query of its own, averaged over every minute of the time range (a minute without requests counts as 0). A request ends with exactly one request.completed (any status, 5xx included) or request.failed (unhandled exception) line; both are counted, so every finished request counts once.",
      )
        .datasource(DASHBOARD_DATASOURCE)
        .unit("reqps")
        .decimals(2)
        .noValue("0")
        .thresholds(thresholds("green"))
        .reduceOptions(reduce(["mean"]))
        .withTarget(reuse(REQUEST_RATE_BY_API_PANEL_ID))
        .withTransformation({ id: "joinByField", options: { byField: "Time", mode: "outer" } })
        .withTransformation({ id: "calculateField", options: { mode: "reduceRow", reduce: { reducer: "sum" }, replaceFields: true, alias: "requests/s" } }),
    )
    .withPanel(
      statPanel(
        2,
        "Errors: error lines and 5xx responses",
        "Two counts over the time range: log lines at level ERROR or CRITICAL, and completed requests answered with a 5xx status (these are logged as request.completed at INFO, so they are not among the error lines).",
      )
        .unit("short")
        .decimals(0)
        .noValue("0")
        .thresholds(thresholds("green", [1, "red"]))
        .reduceOptions(reduce(["lastNotNull"]))
        .textMode(common.BigValueTextMode.ValueAndName)
        .withTarget(lokiQuery("A", queries.ERROR_LINE_COUNT, loki.LokiQueryType.Instant).legendFormat("error lines"))
        .withTarget(lokiQuery("B", queries.RESPONSE_5XX_COUNT, loki.LokiQueryType.Instant).legendFormat("5xx responses")),
    )
    .withPanel(
      statPanel(
        3,
        "p95 latency",
        "95th percentile of duration_ms over every completed request of the selected APIs (one distribution, not an average of per-API percentiles), per minute, averaged over the time range. Per-minute results are cached by Loki, so a refresh recomputes only the newest minutes; a minute with few requests makes its percentile rough.",
      )
        .unit("ms")
        .decimals(0)
        .thresholds(latencyThresholds())
        .reduceOptions(reduce(["mean"]))
        .interval(ONE_MINUTE)
        .withTarget(lokiQuery("A", queries.P95_LATENCY, loki.LokiQueryType.Range).legendFormat("p95")),
    )
    .withPanel(
      statPanel(
        4,
        "Active APIs",
        "How many of the APIs selected in the api dropdown finished at least one request in the time range: the API names among the series of Request rate by API, whose data this panel reuses without a query of its own.",
      )
        .datasource(DASHBOARD_DATASOURCE)
        .unit("short")
        .decimals(0)
        .noValue("0")
        .thresholds(thresholds("red", [1, "green"]))
        .reduceOptions(reduce(["distinctCount"], "/^api$/"))
        .withTarget(reuse(REQUEST_RATE_BY_API_PANEL_ID))
        .transformations(seriesAsRows("api", REQUEST_TARGETS)),
    )
    .withPanel(
      timeSeriesPanel(
        REQUEST_RATE_BY_API_PANEL_ID,
        "Request rate by API",
        "Requests per second, one line per API: request.completed plus request.failed lines, so every finished request counts once; a minute without requests shows 0.",
      )
        .unit("reqps")
        // One query over the request lines for this panel, Status codes, Request rate and Active APIs.
        .withTarget(lokiQuery(COMPLETED, queries.COMPLETED_RATE_BY_API_AND_STATUS, loki.LokiQueryType.Range).legendFormat("{{api}} {{status_code}}"))
        .withTarget(lokiQuery(FAILED, queries.FAILED_RATE_BY_API, loki.LokiQueryType.Range).legendFormat("{{api}} failed"))
        // A row for every minute; the transformations drop its own line.
        .withTarget(lokiQuery(ZERO, queries.ZERO_EVERY_STEP, loki.LokiQueryType.Range).legendFormat(queries.EVERY_STEP_SERIES))
        .transformations(seriesAddedUpBy("api", REQUEST_TARGETS)),
    )
    .withPanel(
      timeSeriesPanel(
        6,
        "Error rate by API: error lines and 5xx responses per second",
        "Per API and per second: log lines at level ERROR or CRITICAL, and completed requests answered with a 5xx status.",
      )
        .unit("suffix:/s")
        .withTarget(lokiQuery("A", queries.ERROR_LINE_RATE_BY_API, loki.LokiQueryType.Range).legendFormat("{{api}} error lines"))
        .withTarget(lokiQuery("B", queries.RESPONSE_5XX_RATE_BY_API, loki.LokiQueryType.Range).legendFormat("{{api}} 5xx responses")),
    )
    .withPanel(
      timeSeriesPanel(7, "p95 request duration by API", "95th percentile of duration_ms of completed requests, per API.")
        .unit("ms")
        .thresholds(latencyThresholds())
        .withTarget(lokiQuery("A", queries.P95_DURATION_BY_API, loki.LokiQueryType.Range).legendFormat("{{api}}")),
    )
    .withPanel(
      timeSeriesPanel(
        8,
        "Status codes: completed requests per second",
        "Completed requests per second by HTTP status code, across the selected APIs: the series of Request rate by API, whose data this panel reuses without a query of its own, added up per code; a minute without a code shows 0.",
      )
        .datasource(DASHBOARD_DATASOURCE)
        .unit("reqps")
        .drawStyle(common.GraphDrawStyle.Bars)
        .fillOpacity(80)
        .lineWidth(0)
        .stacking(new common.StackingConfigBuilder().group("A").mode(common.StackingMode.Normal))
        .withOverride(seriesColor("^5\\d\\d$", "red"))
        .withOverride(seriesColor("^4\\d\\d$", "orange"))
        .withTarget(reuse(REQUEST_RATE_BY_API_PANEL_ID))
        .transformations(seriesAddedUpBy("status_code", COMPLETED)),
    )
    .withPanel(slowestRequestsPanel(9))
    .withPanel(
      logsPanel(10, "Recent errors", "Log lines at level ERROR or CRITICAL from the selected APIs, newest first.", 10).withTarget(
        lokiQuery("A", queries.RECENT_ERRORS, loki.LokiQueryType.Range).maxLines(500),
      ),
    )
    .withPanel(
      logsPanel(
        11,
        "All logs",
        "Every line of the selected APIs at the levels chosen in the level dropdown, newest first; open a line to see its labels. Lines that are not JSON have no api label and are not shown here (find them in Explore by container).",
        12,
      ).withTarget(lokiQuery("A", queries.ALL_LOGS, loki.LokiQueryType.Range).maxLines(1000)),
    );
}

/** The Trust APIs dashboard for a stack whose APIs are `apiNames`, as deterministic JSON text (keys sorted, as Grafana exports them). */
export function renderTrustApisDashboard(apiNames: readonly string[]): string {
  if (apiNames.length === 0) throw new Error("`apis` must list at least one API for the dashboard's `api` dropdown");
  for (const name of apiNames) {
    if (!API_NAME.test(name)) {
      throw new Error(`\`apis\` has the name ${JSON.stringify(name)}: the dashboard needs lower-case letters, digits and '-', starting with a letter`);
    }
  }
  const model = { ...trustApisDashboard([...new Set(apiNames)]).build(), schemaVersion: GRAFANA_11_5_SCHEMA_VERSION };
  return JSON.stringify(sortKeys(model), null, 2) + "\n";
}

interface StoredPanel {
  id: number;
  title: string;
  /** Absent on a target that reuses another panel's data (`-- Dashboard --`): it has no `expr`. */
  targets?: Array<{ refId: string; expr?: string; queryType?: string }>;
  panels?: StoredPanel[];
}

/** Every Loki query of every panel (rows included), in panel order; a panel that reuses another's data has none. */
export function panelQueries(dashboardJson: string): PanelQuery[] {
  const stored = JSON.parse(dashboardJson) as { panels: StoredPanel[] };
  const panels = stored.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((panel) =>
    (panel.targets ?? []).flatMap((target) =>
      target.expr === undefined
        ? []
        : [{ panelId: panel.id, panelTitle: panel.title, refId: target.refId, expr: target.expr, queryType: target.queryType ?? "range" }],
    ),
  );
}
