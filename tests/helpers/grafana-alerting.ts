/**
 * Grafana 11.5's file format for alerting provisioning, as checks on a parsed file. Sources:
 * - grafana/grafana `pkg/services/provisioning/alerting/rules_types.go`, `AlertRuleGroupV1` and
 *   `AlertRuleV1.mapToModel`: a group needs `name`, `folder` and an `interval` Prometheus's
 *   `model.ParseDuration` reads; a rule needs `uid`, `title`, `data` and `condition`; `for` is a
 *   Prometheus duration; `noDataState` and `execErrState` (`models.NoDataStateFromString`,
 *   `ErrStateFromString`) take `NoData|Alerting|OK` and `Error|Alerting|OK` in every version
 *   since 9; labels are read with `.Value()`, which expands `$name` (issue #78118), annotations
 *   raw (PR #54975), so `{{ $labels.x }}` belongs in annotations only.
 * - `QueryV1`: `refId`, `datasourceUid`, `relativeTimeRange` (`models.RelativeTimeRange`, whole
 *   seconds; a datasource query needs `from` > `to`), `model`. `__expr__` is the server-side
 *   expressions' datasource; `pkg/expr`: `reduce` takes `expression` and `reducer`
 *   (last, mean, min, max, sum, count), `threshold` takes `expression` and `conditions[].evaluator`
 *   (gt, lt, within_range, outside_range).
 * - `util.ValidateUID`: uids of at most 40 characters of `[a-zA-Z0-9-_]`.
 * - `contact_point_types.go`, `ReceiverV1`: `uid`, `type`, `settings` (read with `.Value()`, so
 *   `$__file{path}` and `$__env{NAME}` expand, and a bare `$` must be `$$`); the settings of each
 *   type from grafana/alerting `receivers/{email,teams,webhook}/config.go` (unchanged from
 *   October 2024 to February 2025, around Grafana 11.5.0, January 2025).
 * - `notification_policy_types.go`: a policy tree with `receiver`, `group_by`, timings and
 *   `routes` with `object_matchers` of `[label, op, value]`.
 */

/** Settings keys each contact point type reads, and the ones it requires. */
export const CONTACT_POINT_SETTINGS: Record<string, { keys: string[]; required: string[] }> = {
  email: { keys: ["addresses", "singleEmail", "message", "subject"], required: ["addresses"] },
  teams: { keys: ["url", "message", "title", "sectiontitle"], required: ["url"] },
  webhook: {
    keys: ["url", "httpMethod", "maxAlerts", "authorization_scheme", "authorization_credentials", "username", "password", "title", "message", "tlsConfig"],
    required: ["url"],
  },
};

const NO_DATA_STATES = ["NoData", "Alerting", "OK"];
const EXEC_ERR_STATES = ["Error", "Alerting", "OK"];
const REDUCERS = ["last", "mean", "min", "max", "sum", "count"];
const EVALUATORS = ["gt", "lt", "within_range", "outside_range"];
// Prometheus's model.ParseDuration: units from ms to y, largest first, at least one.
const PROMETHEUS_DURATION = /^(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?$/;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = any;

/** Whether a text is a duration Grafana accepts for `interval` and `for`. */
export function isPrometheusDuration(value: unknown): boolean {
  return typeof value === "string" && value !== "" && PROMETHEUS_DURATION.test(value);
}

function isUid(value: unknown): boolean {
  return typeof value === "string" && /^[a-zA-Z0-9_-]{1,40}$/.test(value);
}

/** What Grafana would refuse, or this project forbids, in an alert rules file; empty when none. */
export function ruleFileProblems(doc: Doc): string[] {
  const problems: string[] = [];
  if (doc?.apiVersion !== 1) problems.push("apiVersion must be 1");
  if (!Array.isArray(doc?.groups) || doc.groups.length === 0) return [...problems, "groups must be a non-empty list"];
  const uids = new Set<string>();
  // Grafana refuses two rules of one title in one folder (models.ErrAlertRuleUniqueConstraintViolation).
  const titles = new Set<string>();
  for (const group of doc.groups) {
    const where = `group ${JSON.stringify(group?.name)}`;
    if (typeof group.name !== "string" || group.name.trim() === "") problems.push(`${where}: name is required`);
    if (typeof group.folder !== "string" || group.folder.trim() === "") problems.push(`${where}: folder is required`);
    if (!isPrometheusDuration(group.interval)) problems.push(`${where}: interval ${JSON.stringify(group.interval)} is not a duration`);
    if (!Array.isArray(group.rules) || group.rules.length === 0) {
      problems.push(`${where}: rules must be a non-empty list`);
      continue;
    }
    for (const rule of group.rules) {
      problems.push(...ruleProblems(rule, uids).map((p) => `${where}, rule ${JSON.stringify(rule?.uid)}: ${p}`));
      const title = `${group.folder}/${rule.title}`;
      if (titles.has(title)) problems.push(`${where}: a second rule titled ${JSON.stringify(rule.title)} in folder ${JSON.stringify(group.folder)}`);
      titles.add(title);
    }
  }
  return problems;
}

function ruleProblems(rule: Doc, uids: Set<string>): string[] {
  const problems: string[] = [];
  if (!isUid(rule.uid)) problems.push("uid must be 1-40 of [a-zA-Z0-9-_]");
  if (uids.has(rule.uid)) problems.push("uid is not unique");
  uids.add(rule.uid);
  if (typeof rule.title !== "string" || rule.title === "") problems.push("title is required");
  if (!NO_DATA_STATES.includes(rule.noDataState)) problems.push(`noDataState ${JSON.stringify(rule.noDataState)} is not one of ${NO_DATA_STATES}`);
  if (!EXEC_ERR_STATES.includes(rule.execErrState)) problems.push(`execErrState ${JSON.stringify(rule.execErrState)} is not one of ${EXEC_ERR_STATES}`);
  if (!isPrometheusDuration(rule.for)) problems.push(`for ${JSON.stringify(rule.for)} is not a duration`);
  for (const [key, value] of Object.entries(rule.labels ?? {})) {
    if (typeof value !== "string" || value.includes("$")) problems.push(`label ${key} holds a $, which Grafana's provisioning expands`);
  }
  for (const key of ["summary", "description"]) {
    if (typeof rule.annotations?.[key] !== "string" || rule.annotations[key] === "") problems.push(`annotation ${key} is required`);
  }
  if (!Array.isArray(rule.data) || rule.data.length === 0) return [...problems, "data must be a non-empty list"];
  const refIds: string[] = [];
  for (const query of rule.data) {
    const where = `query ${JSON.stringify(query.refId)}`;
    if (typeof query.refId !== "string" || query.refId === "" || refIds.includes(query.refId)) problems.push(`${where}: refId must be unique`);
    if (query.model?.refId !== query.refId) problems.push(`${where}: model.refId differs`);
    if (query.datasourceUid === "__expr__") {
      problems.push(...expressionProblems(query.model, refIds).map((p) => `${where}: ${p}`));
    } else if (query.datasourceUid === "loki") {
      const range = query.relativeTimeRange;
      if (!(Number.isInteger(range?.from) && Number.isInteger(range?.to) && range.from > range.to && range.to >= 0)) {
        problems.push(`${where}: relativeTimeRange must be whole seconds with from > to >= 0`);
      }
      if (typeof query.model?.expr !== "string" || query.model.expr === "") problems.push(`${where}: model.expr is required`);
      if (query.model?.datasource?.uid !== "loki") problems.push(`${where}: model.datasource is not loki`);
    } else {
      problems.push(`${where}: datasourceUid ${JSON.stringify(query.datasourceUid)} is neither loki nor __expr__`);
    }
    refIds.push(query.refId);
  }
  if (!refIds.includes(rule.condition)) problems.push(`condition ${JSON.stringify(rule.condition)} names no refId of the rule`);
  return problems;
}

function expressionProblems(model: Doc, earlier: string[]): string[] {
  const problems: string[] = [];
  if (!earlier.includes(model?.expression)) problems.push(`expression ${JSON.stringify(model?.expression)} names no earlier refId`);
  if (model?.type === "reduce") {
    if (!REDUCERS.includes(model.reducer)) problems.push(`reducer ${JSON.stringify(model.reducer)} is unknown`);
  } else if (model?.type === "threshold") {
    const conditions = model.conditions;
    if (!Array.isArray(conditions) || conditions.length === 0) problems.push("threshold needs conditions");
    for (const condition of conditions ?? []) {
      const evaluator = condition?.evaluator;
      if (!EVALUATORS.includes(evaluator?.type)) problems.push(`evaluator ${JSON.stringify(evaluator?.type)} is unknown`);
      const wanted = evaluator?.type === "gt" || evaluator?.type === "lt" ? 1 : 2;
      if (!Array.isArray(evaluator?.params) || evaluator.params.length !== wanted || !evaluator.params.every(Number.isFinite)) {
        problems.push(`evaluator ${evaluator?.type} needs ${wanted} number(s)`);
      }
    }
  } else {
    problems.push(`expression type ${JSON.stringify(model?.type)} is not reduce or threshold`);
  }
  return problems;
}

/** What Grafana would refuse in a contact points and policies file; empty when none. */
export function notificationFileProblems(doc: Doc): string[] {
  const problems: string[] = [];
  if (doc?.apiVersion !== 1) problems.push("apiVersion must be 1");
  const names = new Set<string>();
  const uids = new Set<string>();
  for (const contactPoint of doc.contactPoints ?? []) {
    if (typeof contactPoint.name !== "string" || contactPoint.name.trim() === "") problems.push("contact point name is required");
    names.add(contactPoint.name);
    if (!Array.isArray(contactPoint.receivers) || contactPoint.receivers.length === 0) problems.push(`${contactPoint.name}: receivers required`);
    for (const receiver of contactPoint.receivers ?? []) {
      const where = `receiver ${JSON.stringify(receiver.uid)}`;
      if (!isUid(receiver.uid) || uids.has(receiver.uid)) problems.push(`${where}: uid must be unique, 1-40 of [a-zA-Z0-9-_]`);
      uids.add(receiver.uid);
      const known = CONTACT_POINT_SETTINGS[receiver.type];
      if (!known) {
        problems.push(`${where}: type ${JSON.stringify(receiver.type)} is not email, teams or webhook`);
        continue;
      }
      for (const key of Object.keys(receiver.settings ?? {})) {
        if (!known.keys.includes(key)) problems.push(`${where}: ${receiver.type} has no setting ${key}`);
      }
      for (const key of known.required) {
        if (receiver.settings?.[key] === undefined || receiver.settings[key] === "") problems.push(`${where}: ${receiver.type} needs ${key}`);
      }
      for (const [key, value] of Object.entries(receiver.settings ?? {})) {
        if (typeof value === "string" && value.replace(/\$__file\{[^}]+\}/g, "").includes("$")) {
          problems.push(`${where}: ${key} holds a $ that Grafana would expand`);
        }
      }
    }
  }
  for (const deleted of doc.deleteContactPoints ?? []) {
    if (!isUid(deleted.uid) || !Number.isInteger(deleted.orgId)) problems.push(`deleteContactPoints entry ${JSON.stringify(deleted)} needs orgId and uid`);
  }
  for (const policy of doc.policies ?? []) {
    const walk = (route: Doc, path: string): void => {
      if (route.receiver !== undefined && !names.has(route.receiver)) problems.push(`${path}: receiver ${JSON.stringify(route.receiver)} is no contact point of the file`);
      for (const key of ["group_wait", "group_interval", "repeat_interval"]) {
        if (route[key] !== undefined && !isPrometheusDuration(route[key])) problems.push(`${path}: ${key} is not a duration`);
      }
      for (const matcher of route.object_matchers ?? []) {
        if (!Array.isArray(matcher) || matcher.length !== 3 || !["=", "!=", "=~", "!~"].includes(matcher[1])) {
          problems.push(`${path}: object matcher ${JSON.stringify(matcher)} is not [label, op, value]`);
        }
      }
      (route.routes ?? []).forEach((child: Doc, index: number) => walk(child, `${path}.routes[${index}]`));
    };
    if (policy.receiver === undefined) problems.push("the root policy needs a receiver");
    walk(policy, "policy");
  }
  return problems;
}
