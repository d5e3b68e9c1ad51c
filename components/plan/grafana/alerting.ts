/**
 * Grafana-managed alerts for one site, as Grafana's file provisioning reads them: the rules
 * (evaluated against the `loki` datasource), the contact point and the notification policy, and
 * what Grafana's container needs for them (SMTP settings, secret files). Pure: the secrets are
 * marked, never written into a file; the provisioning files name them with `$__file{...}`.
 */
import * as YAML from "yaml";
import type { Settings } from "../settings";
import { ALERT_SETTINGS, emailConfigured, minutesOf } from "../settings/alerts";
import { SecretValue } from "../settings/secrets";
import { LOKI_DATASOURCE_UID, lokiLogServices } from "../shared/names";
import { SecretFileSpec, sortKeys } from "../shared/spec";

/** The settings the alert rules, contact points and SMTP settings are made from: the site's name and the alert settings. */
export const ALERTING_SETTING_KEYS = ["siteName", "lokiMode", ...(Object.keys(ALERT_SETTINGS) as (keyof typeof ALERT_SETTINGS)[])] as const;
/** The alerts' part of the settings. */
export type AlertingSettings = Pick<Settings, (typeof ALERTING_SETTING_KEYS)[number]>;

/** Where the provisioning files go, under Grafana's provisioning folder. */
export const ALERTING_FILES = { rules: "alerting/rules.yml", notifications: "alerting/notifications.yml" };
/** The folder the rules live in, shared with the Trust APIs dashboard. */
export const ALERT_FOLDER = "Observability";
/** How often Grafana evaluates every rule. */
export const EVALUATION_INTERVAL = "1m";
/** The window of the failing and slow rules. */
export const REQUEST_WINDOW_MINUTES = 5;
/** The window of the lost-lines rule. */
export const LOST_LINES_WINDOW_MINUTES = 10;
/** The window of the pipeline-errors rule, how many error lines in it are "repeatedly", and for how long. */
export const PIPELINE_ERRORS = { windowMinutes: 5, moreThan: 3, forMinutes: 5 };

/**
 * The messages that mean log lines were lost, read from the sources of the pinned versions:
 * - Alloy v1.9.0 `internal/component/common/loki/client/client.go` (and `queue_client.go`),
 *   `sendBatch`: `level.Error(...).Log("msg", "final error sending batch", "status", ...)` once
 *   `loki.write` gives up on a batch (a 4xx other than 429, or retries used up); each attempt
 *   before that is only `level.Warn` "error sending batch, will retry".
 * - Loki v3.4.0 `pkg/distributor/writefailures/manager.go`, `Manager.Log`:
 *   `level.Error(m.logger).Log("msg", "write operation failed", "details", errMsg, ...)`, called
 *   by the distributor (`distributor.go`: rate limit `validation.RateLimitedErrorMsg` "Ingestion
 *   rate limit exceeded ...", too old `GreaterThanMaxSampleAgeErrorMsg` "... has timestamp too
 *   old ...", line too long, stream limit) and the ingester (`stream.go`: out of order, too far
 *   behind, per-stream rate limit), on by default (`limited_log_push_errors: true`). The
 *   distributor's own "push request failed" lines are debug-level and off by default.
 */
export const LOST_LINE_MESSAGES = ["final error sending batch", "write operation failed"];

/** Where the secret settings are uploaded in Grafana's container. */
export const ALERT_SECRET_PATHS = {
  smtpPassword: "/etc/grafana/secrets/smtp-password",
  teamsWebhookUrl: "/etc/grafana/secrets/teams-webhook-url",
  webhookUrl: "/etc/grafana/secrets/webhook-url",
};

/** The uid of each contact point integration, so a removed one can be deleted by uid. */
export const RECEIVER_UIDS = { email: "flip-email", teams: "flip-teams", webhook: "flip-webhook" };

/** One query or expression of a rule, as a provisioning file holds it. */
export interface AlertQuery {
  /** Reference the other steps and the condition use. */
  refId: string;
  /** `loki`, or `__expr__` for Grafana's server-side expressions. */
  datasourceUid: string;
  /** Seconds before the evaluation time the query covers (Loki queries only). */
  relativeTimeRange?: { from: number; to: number };
  /** The query itself. */
  model: Record<string, unknown>;
}

/** One alert rule, as a provisioning file holds it. */
export interface AlertRule {
  uid: string;
  title: string;
  condition: string;
  data: AlertQuery[];
  noDataState: "OK" | "NoData" | "Alerting";
  execErrState: "OK" | "Error" | "Alerting";
  for: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
  isPaused: boolean;
}

/** A group of rules evaluated together. */
export interface AlertRuleGroup {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: AlertRule[];
}

/** The step chain of every rule: the Loki query A, B its last value, C the threshold on B. */
function ruleData(expr: string, windowMinutes: number, threshold: number): AlertQuery[] {
  const expression = { type: "__expr__", uid: "__expr__" };
  return [
    {
      refId: "A",
      datasourceUid: LOKI_DATASOURCE_UID,
      relativeTimeRange: { from: windowMinutes * 60, to: 0 },
      // An instant query: Loki evaluates the whole window once, at the evaluation time.
      model: {
        datasource: { type: "loki", uid: LOKI_DATASOURCE_UID },
        editorMode: "code",
        expr,
        intervalMs: 1000,
        maxDataPoints: 43200,
        queryType: "instant",
        refId: "A",
      },
    },
    {
      refId: "B",
      datasourceUid: "__expr__",
      model: { datasource: expression, expression: "A", reducer: "last", refId: "B", type: "reduce" },
    },
    {
      refId: "C",
      datasourceUid: "__expr__",
      model: {
        conditions: [{ evaluator: { params: [threshold], type: "gt" } }],
        datasource: expression,
        expression: "B",
        refId: "C",
        type: "threshold",
      },
    },
  ];
}

/** The request lines of the log contract: every request writes `request.started`, then one of the other two. */
const REQUEST_ENDS = "request.completed|request.failed";

function apiMatcher(apiNames: readonly string[]): string {
  return `api=~"${apiNames.join("|")}"`;
}

/** `absent_over_time` per API, joined with `or`: a silent API is a series of its own, labelled `api`. */
export function silentApisQuery(apiNames: readonly string[], minutes: number): string {
  return apiNames
    .map((name) => `absent_over_time({api="${name}", event=~"request.started|${REQUEST_ENDS}"} [${minutes}m])`)
    .join("\nor\n");
}

/** Requests each API finished in the window: the denominator and the minimum-traffic guard. */
function finishedRequests(apiNames: readonly string[], minutes: number): string {
  return `sum by (api) (count_over_time({${apiMatcher(apiNames)}, event=~"${REQUEST_ENDS}"} [${minutes}m]))`;
}

/**
 * Percentage of each API's finished requests that failed: a request end logged at ERROR or
 * CRITICAL (`request.failed` is), or a `request.completed` with a 5xx status. The two selectors
 * split on `level`, so no request is counted twice; the line filter spares the JSON parser the
 * lines that cannot hold a 5xx, as the dashboard's Errors panel does. Only APIs that finished at
 * least `minRequests` in the window are judged.
 */
export function failingRequestsQuery(apiNames: readonly string[], minutes: number, minRequests: number): string {
  const apis = apiMatcher(apiNames);
  return [
    "(",
    "  100 * sum by (api) (",
    `      count_over_time({${apis}, event=~"${REQUEST_ENDS}", level=~"ERROR|CRITICAL"} [${minutes}m])`,
    "    or",
    `      count_over_time({${apis}, event="request.completed", level!~"ERROR|CRITICAL"} |= \`"status_code": 5\` | json status_code | status_code >= 500 | __error__="" [${minutes}m])`,
    "  )",
    `  / ${finishedRequests(apiNames, minutes)}`,
    ")",
    `and (${finishedRequests(apiNames, minutes)} >= ${minRequests})`,
  ].join("\n");
}

/** Each API's 95th percentile `duration_ms` of completed requests, as the dashboard's p95 panels show it, from `minRequests` up. */
export function slowRequestsQuery(apiNames: readonly string[], minutes: number, minRequests: number): string {
  const apis = apiMatcher(apiNames);
  const completed = `{${apis}, event="request.completed"}`;
  return [
    `quantile_over_time(0.95, ${completed} | json duration_ms | __error__="" | unwrap duration_ms | __error__="" [${minutes}m]) by (api)`,
    `and (sum by (api) (count_over_time(${completed} [${minutes}m])) >= ${minRequests})`,
  ].join("\n");
}

/** The stack's own Loki and Alloy, by the `service` and `project` labels Alloy gives them. */
function pipelineSelector(settings: AlertingSettings): string {
  return `{project="${settings.siteName}", service=~"${[...lokiLogServices(settings), "alloy"].join("|")}"}`;
}

/**
 * Loki and Alloy log logfmt (`level=error ts=... msg="..."`, `ts=... level=error msg="..."`), so
 * the level and message are read as fields, not matched anywhere in the line: Loki logs every
 * query it runs at info level, quoted (`msg="executing query" query="... |= \"level=error\" ..."`),
 * and a text match would count the rules' own queries. The line filter before the parser only
 * spares it the lines that cannot match.
 */
const LOST_LINE_PATTERN = LOST_LINE_MESSAGES.join("|");

/** Lines in which Alloy or Loki says it lost log lines (`LOST_LINE_MESSAGES`), per service. */
export function lostLinesQuery(settings: AlertingSettings): string {
  return (
    `sum by (service) (count_over_time(${pipelineSelector(settings)} |~ "${LOST_LINE_PATTERN}" | logfmt msg | __error__="" ` +
    `| msg=~"${LOST_LINE_PATTERN}" [${LOST_LINES_WINDOW_MINUTES}m]))`
  );
}

/** Error-level lines of Alloy and Loki, without the lost-line ones counted above. */
export function pipelineErrorsQuery(settings: AlertingSettings): string {
  return (
    `sum by (service) (count_over_time(${pipelineSelector(settings)} |= "level=error" | logfmt level, msg | __error__="" ` +
    `| level="error" | msg!~"${LOST_LINE_PATTERN}" [${PIPELINE_ERRORS.windowMinutes}m]))`
  );
}

/** Where an operator reads the lines of the service an alert names: its container, or each of a scalable Loki's containers of that role. */
function containerLogs(settings: AlertingSettings): string {
  const one = `docker logs ${settings.siteName}-{{ $labels.service }}`;
  return settings.lokiMode === "scalable"
    ? `${one} (for Loki, each of docker ps --filter label=org.flip.project=${settings.siteName} --filter label=org.flip.service={{ $labels.service }})`
    : one;
}

/** How an annotation shows B, the rule's figure, with `digits` decimals (empty where an error left no value). */
function figure(digits: number): string {
  return `{{ with $values.B }}{{ printf "%.${digits}f" .Value }}{{ end }}`;
}

/** The two rule groups of a site: the Trust APIs and the logging pipeline. */
export function alertRuleGroups(settings: AlertingSettings, apiNames: readonly string[]): AlertRuleGroup[] {
  const silent = minutesOf(settings.alertSilentAfter);
  const window = REQUEST_WINDOW_MINUTES;
  const rule = (fields: Omit<AlertRule, "condition" | "isPaused">): AlertRule => ({ ...fields, condition: "C", isPaused: false });
  const apis: AlertRule[] = [
    rule({
      uid: "flip-api-silent",
      title: "API silent",
      data: ruleData(silentApisQuery(apiNames, silent), silent, 0),
      // The query has no series while every API writes request lines.
      noDataState: "OK",
      // A Loki restart during `pulumi up` is no silent API; the pipeline rule reports a Loki that stays unreachable.
      execErrState: "OK",
      // The silence itself is the waiting time: it fires as soon as the window holds no request line.
      for: "0s",
      labels: { severity: "critical" },
      annotations: {
        summary: `{{ $labels.api }} has written no request line for ${silent}m`,
        description:
          `Loki holds no request.started, request.completed or request.failed line from {{ $labels.api }} in the last ${silent} minutes ` +
          `(alertSilentAfter). Check that its container runs and logs (docker ps -a; docker logs ${settings.siteName}-{{ $labels.api }}); ` +
          "if every API is silent at once, check Alloy and Loki.",
      },
    }),
    rule({
      uid: "flip-api-failing",
      title: "API failing requests",
      data: ruleData(failingRequestsQuery(apiNames, window, settings.alertMinRequests), window, settings.alertErrorPercent),
      // No series while no request failed, or while an API is too quiet to judge.
      noDataState: "OK",
      execErrState: "OK",
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: `{{ $labels.api }}: ${figure(1)}% of requests failed in the last ${window}m`,
        description:
          `${figure(1)}% of the requests {{ $labels.api }} finished in the last ${window} minutes ended in request.failed, an ERROR or CRITICAL line ` +
          `or a 5xx response, above ${settings.alertErrorPercent}% (alertErrorPercent) for 5 minutes. APIs with fewer than ` +
          `${settings.alertMinRequests} requests in ${window} minutes are not judged (alertMinRequests). ` +
          "See Observability > Trust APIs, panels Errors and Recent errors.",
      },
    }),
    rule({
      uid: "flip-api-slow",
      title: "API slow",
      data: ruleData(slowRequestsQuery(apiNames, window, settings.alertMinRequests), window, settings.alertSlowMs),
      noDataState: "OK",
      execErrState: "OK",
      for: settings.alertSlowFor,
      labels: { severity: "warning" },
      annotations: {
        summary: `{{ $labels.api }}: p95 request time ${figure(0)} ms over the last ${window}m`,
        description:
          `95% of the requests {{ $labels.api }} completed in the last ${window} minutes took up to ${figure(0)} ms, above ` +
          `${settings.alertSlowMs} ms (alertSlowMs) for ${minutesOf(settings.alertSlowFor)} minutes (alertSlowFor). APIs with fewer than ` +
          `${settings.alertMinRequests} requests in ${window} minutes are not judged (alertMinRequests). ` +
          "See Observability > Trust APIs, panels p95 request duration by API and Slowest requests.",
      },
    }),
  ];
  const pipeline: AlertRule[] = [
    rule({
      uid: "flip-logs-lost",
      title: "Log lines lost",
      data: ruleData(lostLinesQuery(settings), LOST_LINES_WINDOW_MINUTES, 0),
      // Loki and Alloy write these lines only when something is lost.
      noDataState: "OK",
      execErrState: "OK",
      for: "0s",
      labels: { severity: "warning" },
      annotations: {
        summary: `{{ $labels.service }} logged ${figure(0)} lost-line errors in the last ${LOST_LINES_WINDOW_MINUTES}m`,
        description:
          `${figure(0)} lines of {{ $labels.service }} in the last ${LOST_LINES_WINDOW_MINUTES} minutes say log lines were lost: Alloy gave up ` +
          `sending a batch ("final error sending batch") or Loki refused lines ("write operation failed": rate limit, lines too old or too long). ` +
          `Those lines are not in Loki. The reason is in ${containerLogs(settings)}.`,
      },
    }),
    rule({
      uid: "flip-pipeline-errors",
      title: "Logging pipeline errors",
      data: ruleData(pipelineErrorsQuery(settings), PIPELINE_ERRORS.windowMinutes, PIPELINE_ERRORS.moreThan),
      noDataState: "OK",
      // Grafana that cannot query Loki for the whole pending period is a pipeline in trouble too.
      execErrState: "Alerting",
      // A burst during `pulumi up` (containers going away) passes; errors that go on do not.
      for: `${PIPELINE_ERRORS.forMinutes}m`,
      labels: { severity: "warning" },
      annotations: {
        summary: `{{ $labels.service }} logged ${figure(0)} errors in the last ${PIPELINE_ERRORS.windowMinutes}m`,
        description:
          `{{ $labels.service }} logged more than ${PIPELINE_ERRORS.moreThan} lines at level=error in every ${PIPELINE_ERRORS.windowMinutes} minutes ` +
          `for ${PIPELINE_ERRORS.forMinutes} minutes (${figure(0)} in the last ${PIPELINE_ERRORS.windowMinutes}), or Grafana could not query Loki. ` +
          `See ${containerLogs(settings)}.`,
      },
    }),
  ];
  return [
    { orgId: 1, name: "Trust APIs", folder: ALERT_FOLDER, interval: EVALUATION_INTERVAL, rules: apis },
    { orgId: 1, name: "Logging pipeline", folder: ALERT_FOLDER, interval: EVALUATION_INTERVAL, rules: pipeline },
  ];
}

const HEADER = [
  "# Grafana alerting for one FLIP Trust site, rendered by flip-logging from the stack's settings",
  "# (components/plan/alerting.ts): change the settings, not this copy in the container.",
];

/** A provisioning file: a header, then keys sorted and long lines kept whole, so the same settings give the same bytes. */
function provisioningYaml(lines: string[], document: Record<string, unknown>): string {
  return [...HEADER, ...lines, YAML.stringify(sortKeys(document), { lineWidth: 0 })].join("\n");
}

/** The alert rules file. */
export function renderAlertRules(settings: AlertingSettings, apiNames: readonly string[]): string {
  return provisioningYaml([], { apiVersion: 1, groups: alertRuleGroups(settings, apiNames) });
}

/** The name of the site's one contact point. */
export function contactPointName(settings: AlertingSettings): string {
  return `FLIP ${settings.siteName}`;
}

/** A file reference Grafana's provisioning replaces with the file's content, trimmed. */
function fromFile(path: string): string {
  return `$__file{${path}}`;
}

/** The integrations the settings ask for, by receiver uid. */
function receivers(settings: AlertingSettings): Array<{ uid: string; type: string; settings: Record<string, unknown> }> {
  const found = [];
  if (emailConfigured(settings)) {
    // One e-mail to every address, so the on-call team sees who else was told.
    found.push({ uid: RECEIVER_UIDS.email, type: "email", settings: { addresses: settings.alertEmailTo.join(";"), singleEmail: true } });
  }
  if (settings.alertTeamsWebhookUrl !== undefined) {
    found.push({ uid: RECEIVER_UIDS.teams, type: "teams", settings: { url: fromFile(ALERT_SECRET_PATHS.teamsWebhookUrl) } });
  }
  if (settings.alertWebhookUrl !== undefined) {
    found.push({ uid: RECEIVER_UIDS.webhook, type: "webhook", settings: { httpMethod: "POST", url: fromFile(ALERT_SECRET_PATHS.webhookUrl) } });
  }
  return found;
}

/** How often a still-firing alert is sent again, by severity. */
export const REPEAT_INTERVALS = { critical: "1h", warning: "12h" };

/**
 * The notifications file. With a contact point: the contact point with one integration per
 * configured kind, integrations no longer configured deleted by uid, and one policy tree that
 * sends everything to it, routed by `severity`. Without one: the policy tree reset to Grafana's
 * default and the integrations deleted, so removing the last contact point setting stops
 * notifications; the rules still show in Grafana's alert list.
 */
export function renderNotifications(settings: AlertingSettings): string {
  const configured = receivers(settings);
  const removed = Object.values(RECEIVER_UIDS)
    .filter((uid) => !configured.some((receiver) => receiver.uid === uid))
    .map((uid) => ({ orgId: 1, uid }));
  if (configured.length === 0) {
    return provisioningYaml(["# No contact point is set: alerts show in Grafana's alert list only."], {
      apiVersion: 1,
      deleteContactPoints: removed,
      resetPolicies: [1],
    });
  }
  const name = contactPointName(settings);
  const route = (severity: keyof typeof REPEAT_INTERVALS) => ({
    receiver: name,
    object_matchers: [["severity", "=", severity]],
    repeat_interval: REPEAT_INTERVALS[severity],
  });
  return provisioningYaml([], {
    apiVersion: 1,
    contactPoints: [{ orgId: 1, name, receivers: configured.map((receiver) => ({ ...receiver, disableResolveMessage: false })) }],
    ...(removed.length > 0 ? { deleteContactPoints: removed } : {}),
    policies: [
      {
        orgId: 1,
        receiver: name,
        group_by: ["grafana_folder", "alertname"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: REPEAT_INTERVALS.warning,
        routes: [route("critical"), route("warning")],
      },
    ],
  });
}

/** Grafana's SMTP settings for e-mail alerts (empty without e-mail); the password comes from a secret file. */
export function smtpEnvironment(settings: AlertingSettings): Record<string, string> {
  if (!emailConfigured(settings)) {
    return {};
  }
  const host = settings.alertSmtpHost as string;
  return {
    GF_SMTP_ENABLED: "true",
    GF_SMTP_HOST: `${host.includes(":") ? `[${host}]` : host}:${settings.alertSmtpPort}`,
    GF_SMTP_FROM_ADDRESS: settings.alertEmailFrom as string,
    GF_SMTP_FROM_NAME: contactPointName(settings),
    ...(settings.alertSmtpUser === undefined ? {} : { GF_SMTP_USER: settings.alertSmtpUser }),
    ...(settings.alertSmtpPassword === undefined ? {} : { GF_SMTP_PASSWORD__FILE: ALERT_SECRET_PATHS.smtpPassword }),
  };
}

/** The secret settings as files in Grafana's container, readable by its group only. */
export function alertSecretFiles(settings: AlertingSettings): SecretFileSpec[] {
  const files: Array<[string, SecretValue | undefined]> = [
    [ALERT_SECRET_PATHS.smtpPassword, emailConfigured(settings) ? settings.alertSmtpPassword : undefined],
    [ALERT_SECRET_PATHS.teamsWebhookUrl, settings.alertTeamsWebhookUrl],
    [ALERT_SECRET_PATHS.webhookUrl, settings.alertWebhookUrl],
  ];
  return files.filter((file): file is [string, SecretValue] => file[1] !== undefined).map(([path, secret]) => ({ path, secret }));
}
