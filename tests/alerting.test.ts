/**
 * The provisioned alerts: Grafana's file format, the LogQL of every rule (grammar, Loki's rules,
 * the labels Alloy sets, the log contract), the thresholds the settings give, contact points,
 * the notification policy, and where the secrets go.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { renderAlloyConfig } from "../components/plan/services/alloy";
import { alertRuleGroups, AlertRule, ALERT_SECRET_PATHS, LOST_LINE_MESSAGES, renderAlertRules, renderNotifications } from "../components/plan/grafana/alerting";
import { parseSettings, Settings } from "../components/plan/settings";
import { renderContainersJson } from "../components/plan/shared/spec";
import { planContainers, renderPlanFiles, stackPlan } from "../components/plan/stack";
import schema from "../contract/log-line.schema.json";
import { CONTACT_POINT_SETTINGS, notificationFileProblems, ruleFileProblems } from "./helpers/grafana-alerting";
import { analyseQuery, labelsSetByAlloy } from "./helpers/logql";
import { configOf } from "./helpers/settings";

const TEAMS_URL = "https://nhs.webhook.office.com/webhookb2/abc@def/IncomingWebhook/0123456789/xyz";
const WEBHOOK_URL = "https://alerts.trust.nhs.uk/flip?token=s3cr3t-t0ken";
const SMTP_PASSWORD = "smtp-pa55-word";
const APIS = ["trust-api", "data-access-api", "imaging-api"];

const dev = (values: Record<string, string> = {}, secrets: Record<string, string> = {}): Settings => parseSettings(configOf(values, secrets), "dev");
const withEveryContactPoint = (): Settings =>
  dev(
    { alertEmailTo: "ops@trust.nhs.uk, oncall@trust.nhs.uk", alertEmailFrom: "flip@trust.nhs.uk", alertSmtpHost: "smtp.trust.nhs.uk", alertSmtpUser: "flip" },
    { alertSmtpPassword: SMTP_PASSWORD, alertTeamsWebhookUrl: TEAMS_URL, alertWebhookUrl: WEBHOOK_URL },
  );

const rulesOf = (settings: Settings) => YAML.parse(renderAlertRules(settings, APIS));
const allRules = (settings: Settings): AlertRule[] => alertRuleGroups(settings, APIS).flatMap((group) => group.rules);
const rule = (settings: Settings, uid: string): AlertRule => {
  const found = allRules(settings).find((candidate) => candidate.uid === uid);
  if (!found) throw new Error(`no rule ${uid}`);
  return found;
};
const lokiQueries = (settings: Settings) =>
  allRules(settings).flatMap((r) => r.data.filter((q) => q.datasourceUid === "loki").map((q) => ({ uid: r.uid, query: q, expr: q.model.expr as string })));
const threshold = (r: AlertRule): number => ((r.data[2].model.conditions as Array<{ evaluator: { params: number[] } }>)[0].evaluator.params[0]);

const alloyLabels = new Set(labelsSetByAlloy(renderAlloyConfig(dev())));
// The keys every logfmt line of Loki 3.4 (go-kit) and Alloy 1.9 (slog) carries.
const LOGFMT_FIELDS = new Set(["level", "msg"]);

/** A logfmt line's fields: `key=value` or `key="quoted \"value\""`. */
function logfmt(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of line.matchAll(/([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    fields[match[1]] = match[2].startsWith('"') ? (JSON.parse(match[2]) as string) : match[2];
  }
  return fields;
}

/** Whether a pipeline rule's query counts a line: its line filters, then its filters on the logfmt fields. */
function counts(expr: string, line: string): boolean {
  const analysis = analyseQuery(expr);
  const lineFilters = analysis.lineFilters.every((f) =>
    f.op === "|=" ? line.includes(f.value) : f.op === "!=" ? !line.includes(f.value) : f.op === "|~" ? new RegExp(f.value).test(line) : !new RegExp(f.value).test(line),
  );
  const fields = logfmt(line);
  const fieldFilters = [...expr.matchAll(/\| (level|msg) *(=~|!~|=) *"([^"]*)"/g)].every(([, field, op, value]) => {
    const matched = new RegExp(`^(?:${value})$`).test(fields[field] ?? "");
    return op === "!~" ? !matched : matched;
  });
  return lineFilters && fieldFilters;
}
const contractFields = new Set(Object.keys(schema.properties));

describe("the alert rules file", () => {
  it.each([
    ["a development stack with the defaults", dev()],
    ["a stack with every contact point", withEveryContactPoint()],
    ["a stack with its own thresholds", dev({ alertSilentAfter: "1h", alertErrorPercent: "20", alertMinRequests: "50", alertSlowMs: "500", alertSlowFor: "15m" })],
  ])("follows Grafana's provisioning format for %s", (_name, settings) => {
    expect(ruleFileProblems(rulesOf(settings))).toEqual([]);
  });

  it.each([
    ["a missing condition", (doc: any) => (doc.groups[0].rules[0].condition = "D")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a uid of 41 characters", (doc: any) => (doc.groups[0].rules[0].uid = "x".repeat(41))], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["two rules with one uid", (doc: any) => (doc.groups[1].rules[0].uid = doc.groups[0].rules[0].uid)], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["two rules with one title in one folder", (doc: any) => (doc.groups[1].rules[0].title = doc.groups[0].rules[0].title)], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a datasource other than loki", (doc: any) => (doc.groups[0].rules[0].data[0].datasourceUid = "prometheus")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a noDataState Grafana does not know", (doc: any) => (doc.groups[0].rules[0].noDataState = "Normal")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["an execErrState Grafana does not know", (doc: any) => (doc.groups[0].rules[0].execErrState = "KeepLastState")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a time range in minutes", (doc: any) => (doc.groups[0].rules[0].data[0].relativeTimeRange = { from: "10m", to: 0 })], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a template in a label", (doc: any) => (doc.groups[0].rules[0].labels.api = "{{ $labels.api }}")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a `for` that is not a duration", (doc: any) => (doc.groups[0].rules[0].for = "ten minutes")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a threshold on a step that comes later", (doc: any) => (doc.groups[0].rules[0].data[1].model.expression = "C")], // eslint-disable-line @typescript-eslint/no-explicit-any
  ])("the format check catches %s", (_name, breakIt) => {
    const doc = rulesOf(dev());
    breakIt(doc);
    expect(ruleFileProblems(doc)).not.toEqual([]);
  });

  it("has the four kinds of rule of the issue: silent, failing and slow APIs, and the pipeline in trouble", () => {
    const groups = alertRuleGroups(dev(), APIS);
    expect(groups.map((group) => [group.name, group.folder, group.rules.map((r) => r.title)])).toEqual([
      ["Trust APIs", "Observability", ["API silent", "API failing requests", "API slow"]],
      ["Logging pipeline", "Observability", ["Log lines lost", "Logging pipeline errors"]],
    ]);
  });

  it("chains every rule as a Loki query, a reduce and a threshold that is the condition", () => {
    for (const r of allRules(dev())) {
      expect(r.data.map((q) => [q.refId, q.datasourceUid, q.model.type ?? "loki"])).toEqual([
        ["A", "loki", "loki"],
        ["B", "__expr__", "reduce"],
        ["C", "__expr__", "threshold"],
      ]);
      expect(r.condition).toBe("C");
      expect(r.data[0].model.queryType).toBe("instant");
    }
  });

  it("treats no data as normal in every rule: each query has no series while all is well", () => {
    expect(new Set(allRules(dev()).map((r) => r.noDataState))).toEqual(new Set(["OK"]));
  });

  it("fires every rule within 15 minutes of the problem: window plus pending period plus one evaluation", () => {
    for (const r of allRules(dev())) {
      const windowMinutes = (r.data[0].relativeTimeRange as { from: number }).from / 60;
      const pending = Number(/^(\d+)([sm])$/.exec(r.for)![1]) / (r.for.endsWith("s") ? 60 : 1);
      // A silence shows only once the whole window is empty; the others once the window holds the problem.
      const untilTrue = r.uid === "flip-api-silent" ? windowMinutes : 1;
      expect({ uid: r.uid, withinFifteen: untilTrue + pending + 1 <= 15 }).toEqual({ uid: r.uid, withinFifteen: true });
    }
  });

  it("labels every rule with a severity the policy routes, and names the API or service and the figure in its annotations", () => {
    for (const r of allRules(dev())) {
      expect(["critical", "warning"]).toContain(r.labels.severity);
      const subject = r.uid.startsWith("flip-api") ? "{{ $labels.api }}" : "{{ $labels.service }}";
      expect(r.annotations.summary).toContain(subject);
      expect(r.annotations.description).toContain(subject);
    }
    for (const uid of ["flip-api-failing", "flip-api-slow", "flip-logs-lost", "flip-pipeline-errors"]) {
      expect(rule(dev(), uid).annotations.summary).toContain("$values.B");
    }
    expect(rule(dev(), "flip-api-silent").annotations.summary).toContain("10m");
  });

  it("puts the stack's thresholds into the thresholds, the windows and the pending periods", () => {
    const settings = dev({ alertSilentAfter: "1h", alertErrorPercent: "20", alertMinRequests: "50", alertSlowMs: "750", alertSlowFor: "15m" });
    expect(rule(settings, "flip-api-silent").data[0].relativeTimeRange).toEqual({ from: 3600, to: 0 });
    expect(rule(settings, "flip-api-silent").data[0].model.expr).toContain("[60m]");
    expect(threshold(rule(settings, "flip-api-failing"))).toBe(20);
    expect(threshold(rule(settings, "flip-api-slow"))).toBe(750);
    expect(rule(settings, "flip-api-slow").for).toBe("15m");
    for (const uid of ["flip-api-failing", "flip-api-slow"]) {
      expect(rule(settings, uid).data[0].model.expr).toMatch(/>= 50\)$/);
      expect(rule(settings, uid).annotations.description).toContain("50 requests");
    }
    expect(rule(settings, "flip-api-failing").annotations.description).toContain("above 20%");
    expect(rule(settings, "flip-api-slow").annotations.description).toContain("above 750 ms");
  });

  it("uses the issue's defaults: 10 minutes silent, 5% failing from 20 requests, p95 above 2000 ms for 10 minutes", () => {
    const settings = dev();
    expect(rule(settings, "flip-api-silent").data[0].relativeTimeRange).toEqual({ from: 600, to: 0 });
    expect(threshold(rule(settings, "flip-api-failing"))).toBe(5);
    expect(rule(settings, "flip-api-failing").data[0].relativeTimeRange).toEqual({ from: 300, to: 0 });
    expect(threshold(rule(settings, "flip-api-slow"))).toBe(2000);
    expect(rule(settings, "flip-api-slow").for).toBe("10m");
    expect(rule(settings, "flip-api-failing").data[0].model.expr).toMatch(/>= 20\)$/);
  });

  it("renders the same bytes for the same settings, keys sorted and queries on whole lines", () => {
    expect(renderAlertRules(dev(), APIS)).toBe(renderAlertRules(dev(), APIS));
    const text = renderAlertRules(dev(), APIS);
    expect(text).toMatch(/^# Grafana alerting/);
    const doc = YAML.parse(text);
    expect(Object.keys(doc.groups[0].rules[0])).toEqual([...Object.keys(doc.groups[0].rules[0])].sort());
    expect(text).not.toMatch(/\n\s+[a-z_(]+ *\\\n/);
  });
});

describe("the rules' LogQL", () => {
  const queries = [...lokiQueries(dev()), ...lokiQueries(dev({ apis: JSON.stringify([{ name: "genomics-api", image: "a/b:1" }]) }))];

  it.each(queries.map((q) => ({ name: `${q.uid} ${q.expr.slice(0, 40)}`, expr: q.expr })))(
    "$name parses with the official grammar, is a metric query and Loki 3.4 would accept it",
    ({ expr }) => {
      const analysis = analyseQuery(expr, alloyLabels);
      expect({ errors: analysis.syntaxErrors, rejections: analysis.lokiRejections, metric: analysis.metric }).toEqual({ errors: [], rejections: [], metric: true });
    },
  );

  it.each(queries.map((q) => ({ name: q.uid, expr: q.expr })))("$name is cheap: labels in the selector, named fields, parse errors guarded", ({ expr }) => {
    expect(analyseQuery(expr, alloyLabels).costProblems).toEqual([]);
  });

  it.each(queries.map((q) => ({ name: q.uid, expr: q.expr })))("$name uses only labels Alloy sets and fields of the log contract, or of Loki's and Alloy's logfmt", ({ expr }) => {
    const analysis = analyseQuery(expr, alloyLabels);
    const extracted = analysis.extractions.map((e) => e.label);
    for (const e of analysis.extractions) expect(e.parser === "json" ? contractFields : LOGFMT_FIELDS).toContain(e.expression);
    for (const label of analysis.selectors.flat().map((m) => m.label)) expect(alloyLabels).toContain(label);
    for (const label of [...analysis.labelFilters, ...analysis.groupings, ...analysis.unwraps]) {
      expect({ label, known: label === "__error__" || alloyLabels.has(label) || extracted.includes(label) }).toEqual({ label, known: true });
    }
  });

  it.each(queries.map((q) => ({ name: q.uid, q })))("$name looks back exactly its relativeTimeRange", ({ q }) => {
    const ranges = [...q.expr.matchAll(/\[(\d+)m\]/g)].map((m) => Number(m[1]) * 60);
    expect(ranges.length).toBeGreaterThan(0);
    expect(new Set(ranges)).toEqual(new Set([q.query.relativeTimeRange!.from]));
  });

  it("asks for each listed API's absence by an exact api matcher, so a silent API is a series labelled with its name", () => {
    const expr = rule(dev(), "flip-api-silent").data[0].model.expr as string;
    const analysis = analyseQuery(expr);
    expect(analysis.selectors.map((s) => s.find((m) => m.label === "api"))).toEqual(APIS.map((value) => ({ label: "api", op: "=", value })));
    expect(expr.match(/absent_over_time\(/g)).toHaveLength(APIS.length);
    const eventMatcher = analysis.selectors[0].find((m) => m.label === "event")!;
    for (const event of ["request.started", "request.completed", "request.failed"]) expect(event).toMatch(new RegExp(`^(?:${eventMatcher.value})$`));
  });

  it("counts as failed a request end at ERROR or CRITICAL or a 5xx completion, once each, out of every request end", () => {
    const analysis = analyseQuery(rule(dev(), "flip-api-failing").data[0].model.expr as string);
    const [byLevel, byStatus, ...denominators] = analysis.selectors;
    expect(byLevel).toContainEqual({ label: "level", op: "=~", value: "ERROR|CRITICAL" });
    expect(byStatus).toContainEqual({ label: "level", op: "!~", value: "ERROR|CRITICAL" });
    expect(byStatus).toContainEqual({ label: "event", op: "=", value: "request.completed" });
    expect(analysis.numberFilters).toEqual([{ label: "status_code", op: ">=", value: 500 }]);
    for (const selector of [byLevel, ...denominators]) expect(selector).toContainEqual({ label: "event", op: "=~", value: "request.completed|request.failed" });
    expect(analysis.groupings.filter((label) => label !== "api")).toEqual([]);
  });

  it("reads the p95 of duration_ms of completed requests, as the dashboard's p95 panels do", () => {
    const expr = rule(dev(), "flip-api-slow").data[0].model.expr as string;
    expect(expr).toMatch(/^quantile_over_time\(0\.95, /);
    expect(analyseQuery(expr).unwraps).toEqual(["duration_ms"]);
  });

  it("the 5xx line filter never drops a contract line the exact status filter keeps", () => {
    const lines = fs
      .readFileSync(path.join(__dirname, "fixtures", "log-lines", "valid.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "");
    const filter = analyseQuery(rule(dev(), "flip-api-failing").data[0].model.expr as string).lineFilters;
    expect(filter).toEqual([{ op: "|=", value: '"status_code": 5' }]);
    const fiveHundreds = lines.filter((line) => Number(JSON.parse(line).status_code) >= 500);
    expect(fiveHundreds.length).toBeGreaterThan(0);
    for (const line of fiveHundreds) expect(line).toContain(filter[0].value);
  });

  it("watches the stack's own Loki and Alloy by the service and project labels their containers carry", () => {
    const settings = dev();
    const plan = stackPlan(settings);
    const own = [plan.loki.nodes[0].spec, plan.alloy].map((spec) => spec.labels);
    const alloy = renderAlloyConfig(settings);
    // Alloy names them from this program's own labels.
    expect(alloy).toMatch(/__meta_docker_container_label_org_flip_service"\]\s+regex\s+= "\(\.\+\)"\s+target_label\s+= "service"/);
    expect(alloy).toMatch(/__meta_docker_container_label_org_flip_project"\]\s+regex\s+= "\(\.\+\)"\s+target_label\s+= "project"/);
    for (const uid of ["flip-logs-lost", "flip-pipeline-errors"]) {
      const [selector] = analyseQuery(rule(settings, uid).data[0].model.expr as string).selectors;
      const service = selector.find((m) => m.label === "service")!;
      expect(selector).toContainEqual({ label: "project", op: "=", value: settings.siteName });
      for (const labels of own) {
        expect(labels["org.flip.project"]).toBe(settings.siteName);
        expect(labels["org.flip.service"]).toMatch(new RegExp(`^(?:${service.value})$`));
      }
      expect("grafana").not.toMatch(new RegExp(`^(?:${service.value})$`));
      expect(analyseQuery(rule(settings, uid).data[0].model.expr as string).groupings).toEqual(["service"]);
    }
  });

  // Lines as Loki 3.4.0 and Alloy 1.9.0 write them (Loki's captured from the binary on the rendered dev config).
  const LINES = {
    lokiRefused:
      'level=error ts=2026-11-27T08:07:02.07Z caller=manager.go:50 component=distributor path=write msg="write operation failed" details="entry for stream \'{project=\\"probe\\"}\' has timestamp too old: 2026-11-19T08:07:02Z, oldest acceptable timestamp is: 2026-11-20T08:07:02Z" org_id=fake',
    lokiRateLimited:
      'level=error ts=2026-11-27T08:07:07.22Z caller=manager.go:50 component=distributor path=write msg="write operation failed" details="Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest \'7000\' lines totaling \'7000000\' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased" org_id=fake',
    alloyDropped: 'ts=2026-11-27T08:07:08Z level=error msg="final error sending batch" component_path=/ component_id=loki.write.local component=client host=dev-loki:3100 status=400 tenant="" error="server returned HTTP status 400 Bad Request (400)"',
    alloyRetrying: 'ts=2026-11-27T08:07:08Z level=warn msg="error sending batch, will retry" component_id=loki.write.local status=429 tenant="" error="server returned HTTP status 429"',
    alloyError: 'ts=2026-11-27T08:07:09Z level=error msg="could not inspect container info" container=/dev-trust-api err="No such container" component_id=loki.source.docker.containers',
    lokiStartError: 'level=error ts=2026-11-27T08:06:18.00Z caller=ratestore.go:109 msg="error getting ingester clients" err="empty ring"',
    lokiInfo: 'level=info ts=2026-11-27T08:07:10Z caller=table_manager.go:136 index-store=tsdb-2024-01-01 msg="uploading tables"',
  };
  /** The line Loki logs, at info, for each query a rule runs: it quotes the whole query. */
  const lokiQueryLog = (expr: string) => `level=info ts=2026-11-27T08:10:44Z caller=engine.go:263 component=querier org_id=fake msg="executing query" query=${JSON.stringify(expr)} type=instant`;

  it("counts as lost lines Alloy v1.9.0's dropped batches and Loki v3.4.0's refused lines, and nothing else", () => {
    expect(LOST_LINE_MESSAGES).toEqual(["final error sending batch", "write operation failed"]);
    const expr = rule(dev(), "flip-logs-lost").data[0].model.expr as string;
    expect([LINES.lokiRefused, LINES.lokiRateLimited, LINES.alloyDropped].map((line) => counts(expr, line))).toEqual([true, true, true]);
    expect([LINES.alloyRetrying, LINES.alloyError, LINES.lokiStartError, LINES.lokiInfo].map((line) => counts(expr, line))).toEqual([false, false, false, false]);
  });

  it("counts as pipeline errors the error-level lines that are not lost lines", () => {
    const expr = rule(dev(), "flip-pipeline-errors").data[0].model.expr as string;
    expect([LINES.alloyError, LINES.lokiStartError].map((line) => counts(expr, line))).toEqual([true, true]);
    expect([LINES.lokiRefused, LINES.alloyDropped, LINES.alloyRetrying, LINES.lokiInfo].map((line) => counts(expr, line))).toEqual([false, false, false, false]);
  });

  it("never counts the lines in which Loki logs the rules' own queries", () => {
    for (const r of allRules(dev()).filter((candidate) => ["flip-logs-lost", "flip-pipeline-errors"].includes(candidate.uid))) {
      for (const other of allRules(dev())) {
        const line = lokiQueryLog(other.data[0].model.expr as string);
        expect({ rule: r.uid, query: other.uid, counted: counts(r.data[0].model.expr as string, line) }).toEqual({ rule: r.uid, query: other.uid, counted: false });
      }
    }
  });

  it("lists a stack's fourth API in every API rule", () => {
    const settings = dev({ apis: JSON.stringify([...APIS, "genomics-api"].map((name) => ({ name, image: `flip/${name}:1` }))) });
    const grafana = planContainers(stackPlan(settings)).find((spec) => spec.service === "grafana")!;
    const rules = YAML.parse(grafana.uploads.find((upload) => upload.path.endsWith("alerting/rules.yml"))!.content);
    for (const r of rules.groups[0].rules) expect(r.data[0].model.expr).toContain("genomics-api");
  });
});

describe("contact points and the notification policy", () => {
  it("without a contact point, resets the policy to Grafana's default and deletes the integrations a site may have removed", () => {
    const doc = YAML.parse(renderNotifications(dev()));
    expect(notificationFileProblems(doc)).toEqual([]);
    expect(doc.contactPoints).toBeUndefined();
    expect(doc.policies).toBeUndefined();
    expect(doc.resetPolicies).toEqual([1]);
    expect(doc.deleteContactPoints.map((d: { uid: string }) => d.uid)).toEqual(["flip-email", "flip-teams", "flip-webhook"]);
  });

  it("with every contact point, provisions one contact point of three integrations, in Grafana's format", () => {
    const doc = YAML.parse(renderNotifications(withEveryContactPoint()));
    expect(notificationFileProblems(doc)).toEqual([]);
    expect(doc.contactPoints).toHaveLength(1);
    expect(doc.contactPoints[0].name).toBe("FLIP dev");
    expect(doc.contactPoints[0].receivers.map((r: { uid: string; type: string }) => [r.uid, r.type])).toEqual([
      ["flip-email", "email"],
      ["flip-teams", "teams"],
      ["flip-webhook", "webhook"],
    ]);
    expect(doc.contactPoints[0].receivers[0].settings).toEqual({ addresses: "ops@trust.nhs.uk;oncall@trust.nhs.uk", singleEmail: true });
    expect(doc.deleteContactPoints).toBeUndefined();
  });

  it("routes by severity: each severity the rules use has a route to the contact point", () => {
    const doc = YAML.parse(renderNotifications(withEveryContactPoint()));
    const [policy] = doc.policies;
    expect(policy.receiver).toBe("FLIP dev");
    const severities = policy.routes.map((route: { object_matchers: string[][] }) => route.object_matchers);
    expect(severities).toEqual([[["severity", "=", "critical"]], [["severity", "=", "warning"]]]);
    for (const r of allRules(dev())) expect(severities).toContainEqual([["severity", "=", r.labels.severity]]);
    expect(policy.routes.map((route: { repeat_interval: string }) => route.repeat_interval)).toEqual(["1h", "12h"]);
  });

  it("deletes by uid the integrations a stack no longer sets", () => {
    const doc = YAML.parse(renderNotifications(dev({}, { alertWebhookUrl: WEBHOOK_URL })));
    expect(doc.contactPoints[0].receivers.map((r: { uid: string }) => r.uid)).toEqual(["flip-webhook"]);
    expect(doc.deleteContactPoints.map((d: { uid: string }) => d.uid)).toEqual(["flip-email", "flip-teams"]);
    expect(doc.resetPolicies).toBeUndefined();
  });

  it.each([
    ["an unknown type", (doc: any) => (doc.contactPoints[0].receivers[0].type = "msteams")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a setting the type does not read", (doc: any) => (doc.contactPoints[0].receivers[1].settings.webhookUrl = "x")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a missing required setting", (doc: any) => delete doc.contactPoints[0].receivers[2].settings.url], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a route to a contact point that does not exist", (doc: any) => (doc.policies[0].routes[0].receiver = "nobody")], // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a bare $ in a setting", (doc: any) => (doc.contactPoints[0].receivers[0].settings.subject = "costs $5")], // eslint-disable-line @typescript-eslint/no-explicit-any
  ])("the format check catches %s", (_name, breakIt) => {
    const doc = YAML.parse(renderNotifications(withEveryContactPoint()));
    breakIt(doc);
    expect(notificationFileProblems(doc)).not.toEqual([]);
  });

  it("documents each contact point type's settings as grafana/alerting reads them", () => {
    expect(Object.keys(CONTACT_POINT_SETTINGS).sort()).toEqual(["email", "teams", "webhook"]);
  });
});

describe("secrets of the contact points", () => {
  const settings = withEveryContactPoint();
  const grafana = planContainers(stackPlan(settings)).find((spec) => spec.service === "grafana")!;

  it("reach Grafana only as secret files, which the provisioning file names with $__file", () => {
    // Grafana's TLS files are the certificate's business (settings.test, program tests); these are the password's and the alerts'.
    const notTls = grafana.secretFiles.filter((file) => !file.path.startsWith("/etc/grafana/tls/"));
    expect(notTls.map((file) => [file.path, file.secret])).toEqual([
      ["/etc/grafana/secrets/admin-password", { kind: "secret-ref", ref: "grafanaAdminPassword" }],
      [ALERT_SECRET_PATHS.smtpPassword, { kind: "secret-text", text: SMTP_PASSWORD }],
      [ALERT_SECRET_PATHS.teamsWebhookUrl, { kind: "secret-text", text: TEAMS_URL }],
      [ALERT_SECRET_PATHS.webhookUrl, { kind: "secret-text", text: WEBHOOK_URL }],
    ]);
    const doc = YAML.parse(renderNotifications(settings));
    const urls = doc.contactPoints[0].receivers.slice(1).map((r: { settings: { url: string } }) => r.settings.url);
    expect(urls).toEqual([`$__file{${ALERT_SECRET_PATHS.teamsWebhookUrl}}`, `$__file{${ALERT_SECRET_PATHS.webhookUrl}}`]);
  });

  it("never appear in a rendered file or containers.json, which shows [secret]", () => {
    const files = renderPlanFiles(stackPlan(settings));
    for (const [name, content] of Object.entries(files)) {
      for (const secret of [SMTP_PASSWORD, TEAMS_URL, WEBHOOK_URL, "s3cr3t-t0ken"]) expect({ name, leaks: content.includes(secret) }).toEqual({ name, leaks: false });
    }
    const described = JSON.parse(renderContainersJson([grafana]))[0];
    const alertFiles = described.secretFiles.filter((file: { path: string }) => !file.path.startsWith("/etc/grafana/tls/"));
    expect(alertFiles.map((file: { content: string }) => file.content)).toEqual(["[secret]", "[secret]", "[secret]", "[secret]"]);
  });

  it("give Grafana its SMTP settings, the password through a file", () => {
    expect(grafana.env).toMatchObject({
      GF_SMTP_ENABLED: "true",
      GF_SMTP_HOST: "smtp.trust.nhs.uk:587",
      GF_SMTP_USER: "flip",
      GF_SMTP_PASSWORD__FILE: ALERT_SECRET_PATHS.smtpPassword,
      GF_SMTP_FROM_ADDRESS: "flip@trust.nhs.uk",
      GF_SMTP_FROM_NAME: "FLIP dev",
    });
    expect(Object.values(grafana.env)).not.toContain(SMTP_PASSWORD);
  });

  it("leave Grafana's SMTP off and add no secret file when no contact point is set", () => {
    const plain = planContainers(stackPlan(dev())).find((spec) => spec.service === "grafana")!;
    expect(Object.keys(plain.env).filter((key) => key.startsWith("GF_SMTP"))).toEqual([]);
    expect(plain.secretFiles.map((file) => file.path).filter((path) => !path.startsWith("/etc/grafana/tls/"))).toEqual([
      "/etc/grafana/secrets/admin-password",
    ]);
  });

  it("brackets an IPv6 SMTP server in Grafana's host:port", () => {
    const ipv6 = dev({ alertEmailTo: "ops@trust.nhs.uk", alertEmailFrom: "flip@trust.nhs.uk", alertSmtpHost: "fd00::25", alertSmtpPort: "25" });
    expect(planContainers(stackPlan(ipv6)).find((spec) => spec.service === "grafana")!.env.GF_SMTP_HOST).toBe("[fd00::25]:25");
  });
});
