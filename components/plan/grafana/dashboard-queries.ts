/**
 * Every LogQL query of the Trust APIs dashboard, by name. They are put together from a few shared
 * pieces (the stream selector of the `api` dropdown, the pipeline stages, range and vector
 * aggregations), so a query reads as what it counts; `dashboard.ts` only places them in panels.
 * Change a query here and the layout stays as it is.
 */

/** The dropdown of API names every query is filtered by. */
export const API_VARIABLE = "api";
/** The dropdown of levels of the All logs panel. */
export const LEVEL_VARIABLE = "level";

/** Over the whole time range: a stat's instant query, evaluated once. */
export const WHOLE_RANGE = "$__range";
/** Over each step of a range query (the panel's interval, at least its minimum). */
export const EACH_STEP = "$__interval";
/** The window of a range aggregation. */
export type Window = typeof WHOLE_RANGE | typeof EACH_STEP;

/**
 * How a stream selector matches one label: one value (`=`), any of several (`=~`, joined with
 * `|`), or a dashboard variable (`=~`, as Grafana writes a multi-value variable as a regex).
 */
export type LabelMatch = string | readonly string[] | { variable: string };

/** A stream selector, such as `{api=~"$api", event="request.completed"}`, with the labels in the order given. */
export function streamSelector(labels: Readonly<Record<string, LabelMatch>>): string {
  const matchers = Object.entries(labels).map(([label, match]) => {
    if (typeof match === "string") return `${label}="${match}"`;
    const pattern = "variable" in match ? `$${match.variable}` : match.join("|");
    return `${label}=~"${pattern}"`;
  });
  return `{${matchers.join(", ")}}`;
}

/** The stream selector of the APIs picked in the `api` dropdown, narrowed by `labels`. */
export function apiStream(labels: Readonly<Record<string, LabelMatch>>): string {
  return streamSelector({ [API_VARIABLE]: { variable: API_VARIABLE }, ...labels });
}

/** A log query: a stream selector followed by pipeline stages. */
export function logQuery(selector: string, ...stages: string[]): string {
  return [selector, ...stages].join(" ");
}

/** The guard that drops a line whose parsing or number conversion failed, so a stray line cannot fail the query. */
const DROP_ERRORS = '| __error__=""';

/** Extracts `fields` from the JSON line and drops the lines that did not parse. */
export function jsonFields(fields: readonly string[]): string {
  return `| json ${fields.join(", ")} ${DROP_ERRORS}`;
}

/** Keeps the lines whose labels (stream labels, structured metadata or parsed fields) pass `filter`, such as `status_code >= 500`. */
export function labelFilter(filter: string): string {
  return `| ${filter}`;
}

/** Takes `field` as the sample value of a range aggregation, dropping the lines where it is not a number. */
export function unwrap(field: string): string {
  return `| unwrap ${field} ${DROP_ERRORS}`;
}

/** What a range aggregation may take besides its function, query and window. */
export interface RangeOptions {
  /** The leading parameter, such as the quantile of `quantile_over_time`. */
  parameter?: number;
  /** The labels of a `by (...)` after the aggregation; `[]` writes `by ()`, one series over all. */
  by?: readonly string[];
}

/** A range aggregation, such as `rate({...} [$__interval])`, over `window`. */
export function rangeAggregation(fn: string, query: string, window: Window, options: RangeOptions = {}): string {
  const parameter = options.parameter === undefined ? "" : `${options.parameter}, `;
  const grouping = options.by === undefined ? "" : ` by (${options.by.join(", ")})`;
  return `${fn}(${parameter}${query} [${window}])${grouping}`;
}

/** `sum(...)`, or `sum by (...) (...)` per the labels in `by`. */
export function sum(expression: string, by?: readonly string[]): string {
  return by === undefined ? `sum(${expression})` : `sum by (${by.join(", ")}) (${expression})`;
}

/** Requests that ended in an unhandled exception: one request.failed line each, with no status code. */
const FAILED_REQUESTS = apiStream({ event: "request.failed" });
/** Lines at level ERROR or CRITICAL. */
const ERROR_LINES = apiStream({ level: ["ERROR", "CRITICAL"] });
/** Completed requests; a 5xx is logged at INFO as one of these. */
const COMPLETED_REQUESTS = apiStream({ event: "request.completed" });
/** Completed requests answered with a 5xx: Alloy's `status_class` label gives them a stream of their own. */
const RESPONSES_5XX = apiStream({ event: "request.completed", status_class: "5xx" });
/** The 95th percentile of completed requests' `duration_ms` (structured metadata) per step, grouped `by`. */
const p95Duration = (by: readonly string[]) => rangeAggregation("quantile_over_time", logQuery(COMPLETED_REQUESTS, unwrap("duration_ms")), EACH_STEP, { parameter: 0.95, by });

/** `expression` with its label `label` set to `value` on every series. */
export function withLabel(expression: string, label: string, value: string): string {
  return `label_replace(${expression}, "${label}", "${value}", "", "")`;
}

/** The name the zero series takes under each label the request panels add series up by. */
export const EVERY_STEP_SERIES = "every minute";
/**
 * Zero at every step of the range, read from no line, named EVERY_STEP_SERIES under `api` and
 * `status_code`. Loki returns no point for a minute in which nothing matched; with this series
 * every minute has a row when Grafana adds the series up, so a minute without requests shows as 0
 * in Request rate by API and Status codes and counts as 0 in Request rate's mean. The panels drop
 * the series itself.
 */
export const ZERO_EVERY_STEP = withLabel(withLabel("vector(0)", API_VARIABLE, EVERY_STEP_SERIES), "status_code", EVERY_STEP_SERIES);
/** Errors: ERROR and CRITICAL lines in the time range. */
export const ERROR_LINE_COUNT = sum(rangeAggregation("count_over_time", ERROR_LINES, WHOLE_RANGE));
/** Errors: 5xx responses in the time range. */
export const RESPONSE_5XX_COUNT = sum(rangeAggregation("count_over_time", RESPONSES_5XX, WHOLE_RANGE));
/** p95 latency: one percentile over every selected API, per step (averaged by the stat). */
export const P95_LATENCY = p95Duration([]);
/**
 * Completed requests per second, one series per API and status code (structured metadata): one
 * count of the completed-request lines for both Request rate by API (added up per API) and Status
 * codes (added up per code), each by Grafana transformations.
 */
export const COMPLETED_RATE_BY_API_AND_STATUS = sum(rangeAggregation("rate", COMPLETED_REQUESTS, EACH_STEP), ["api", "status_code"]);
/** Request rate by API: requests per second that ended in request.failed, which has no status code; a few streams of their own. */
export const FAILED_RATE_BY_API = sum(rangeAggregation("rate", FAILED_REQUESTS, EACH_STEP), ["api"]);
/** Error rate by API: ERROR and CRITICAL lines per second. */
export const ERROR_LINE_RATE_BY_API = sum(rangeAggregation("rate", ERROR_LINES, EACH_STEP), ["api"]);
/** Error rate by API: 5xx responses per second. */
export const RESPONSE_5XX_RATE_BY_API = sum(rangeAggregation("rate", RESPONSES_5XX, EACH_STEP), ["api"]);
/** p95 request duration by API. */
export const P95_DURATION_BY_API = p95Duration(["api"]);
/**
 * Slowest requests: completed requests of 1000 ms or more. The filter reads `duration_ms` from
 * structured metadata, so only the lines it keeps are parsed, for the fields the table shows.
 */
export const SLOWEST_REQUESTS = logQuery(COMPLETED_REQUESTS, labelFilter("duration_ms >= 1000"), jsonFields(["request_id", "method", "path"]));
/** Recent errors: the ERROR and CRITICAL lines themselves. */
export const RECENT_ERRORS = ERROR_LINES;
/** All logs: every line at the levels picked in the `level` dropdown. */
export const ALL_LOGS = apiStream({ level: { variable: LEVEL_VARIABLE } });
