/**
 * LogQL checks for dashboard tests: Grafana's variable interpolation for Loki, the official
 * grammar (`@grafana/lezer-logql`), and the rules Loki 3.4 enforces after parsing that the
 * grammar does not (pkg/logql/syntax: newRangeAggregationExpr, RangeAggregationExpr.validate,
 * mustNewVectorAggregationExpr, validateMatchers, validateSortGrouping).
 */
import { parser } from "@grafana/lezer-logql";
import type { SyntaxNode } from "@lezer/common";

/** A dashboard template variable, as far as interpolation needs it. */
export interface GrafanaVariable {
  name: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  options?: ReadonlyArray<{ value: string }>;
}

/** Which values of each variable are selected: a list, or "All". */
export type VariableSelection = Record<string, readonly string[] | "All">;

/** The built-in interval variables, with the values Grafana would put in for a 6h dashboard. */
export const BUILTIN_VALUES: Readonly<Record<string, string>> = {
  __auto: "1m",
  __interval: "1m",
  __rate_interval: "1m",
  __range: "6h",
  __range_s: "21600",
  __range_ms: "21600000",
};

// Grafana's own variable pattern (public/app/features/variables/utils.ts): $var, [[var]],
// ${var}, ${var.field}, ${var:format}.
const VARIABLE_PATTERN = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

// Grafana's Loki datasource escapes so that the value survives a double-quoted LogQL string and
// then a regex (lokiRegularEscape / lokiSpecialRegexEscape in the datasource's code).
function lokiRegularEscape(value: string): string {
  return value.replace(/'/g, "\\\\'");
}

function lokiSpecialRegexEscape(value: string): string {
  return lokiRegularEscape(value.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]+?.()|]/g, "\\\\$&"));
}

function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, "\\$&");
}

/** Replaces Grafana variables in a Loki query the way Grafana does before sending it. */
export function interpolate(
  expr: string,
  variables: readonly GrafanaVariable[],
  selection: VariableSelection,
  builtins: Readonly<Record<string, string>> = BUILTIN_VALUES,
): string {
  return expr.replace(VARIABLE_PATTERN, (match, plain, bracket, bracketFormat, braced, _field, bracedFormat) => {
    const name: string = plain ?? bracket ?? braced;
    const format: string | undefined = bracketFormat ?? bracedFormat;
    if (name in builtins) return builtins[name];
    const variable = variables.find((v) => v.name === name);
    if (!variable) return match; // Grafana leaves unknown variables alone; the parser will object.
    const chosen = selection[name] ?? "All";
    if (chosen === "All") {
      // A custom all value is used verbatim, unformatted (TemplateSrv.replace).
      if (variable.allValue) return variable.allValue;
      return formatValues((variable.options ?? []).map((o) => o.value).filter((v) => v !== "$__all"), variable, format);
    }
    return formatValues(chosen, variable, format);
  });
}

function formatValues(values: readonly string[], variable: GrafanaVariable, format: string | undefined): string {
  switch (format) {
    case undefined:
      if (!variable.multi && !variable.includeAll) return values.map(lokiRegularEscape).join(",");
      return values.map(lokiSpecialRegexEscape).join("|");
    case "raw":
      return values.join(",");
    case "pipe":
      return values.join("|");
    case "regex":
      return values.length === 1 ? regexEscape(values[0]) : `(${values.map(regexEscape).join("|")})`;
    default:
      throw new Error(`variable format ${format} is not supported by these tests`);
  }
}

/** One label matcher of a stream selector. */
export interface StreamMatcher {
  label: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

/** One label extracted by a parser stage (`| json a="b.c"` extracts `a`). */
export interface Extraction {
  parser: "json" | "logfmt";
  label: string;
  expression: string;
}

/** One line filter (`|= "x"`, `!~ "re"`, ...). */
export interface LineFilterUse {
  op: "|=" | "!=" | "|~" | "!~" | "|>" | "!>";
  value: string;
}

/** One numeric label filter (`| status_code >= 500`). */
export interface NumberFilterUse {
  label: string;
  op: ">" | ">=" | "<" | "<=" | "==" | "=" | "!=";
  value: number;
}

/** What a query uses, read from its syntax tree. */
export interface QueryAnalysis {
  /** Grammar errors, as `offset: text` (empty when the grammar accepts the query). */
  syntaxErrors: string[];
  /** Whether it is a metric query (as opposed to a log query). */
  metric: boolean;
  /** Matchers of every stream selector, one list per selector. */
  selectors: StreamMatcher[][];
  /** Labels compared in label filters, before and after unwrap (`__error__` included). */
  labelFilters: string[];
  /** Line filters, in pipeline order. */
  lineFilters: LineFilterUse[];
  /** Numeric label filters, in pipeline order. */
  numberFilters: NumberFilterUse[];
  /** Labels extracted by json/logfmt stages with parameters. */
  extractions: Extraction[];
  /** Parser stages that extract everything (`| json`, `| logfmt`, `| unpack`, ...). */
  bareParsers: string[];
  /** Labels unwrapped into sample values. */
  unwraps: string[];
  /** Labels named in `by`/`without` groupings. */
  groupings: string[];
  /** Reasons Loki 3.4 would refuse the query although the grammar accepts it. */
  lokiRejections: string[];
  /** Breaches of this project's rules for cheap, robust queries. */
  costProblems: string[];
}

const STREAM_OPS: Record<string, StreamMatcher["op"]> = { Eq: "=", Neq: "!=", Re: "=~", Nre: "!~" };

// Loki 3.4 RangeAggregationExpr.validate: which range operations take `by`, which take unwrap,
// and which work on plain lines. bytes_* and count_over_time never unwrap.
const RANGE_OPS_WITH_GROUPING = new Set([
  "avg_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time",
  "max_over_time", "min_over_time", "first_over_time", "last_over_time",
]);
const RANGE_OPS_WITH_UNWRAP = new Set([
  "avg_over_time", "sum_over_time", "max_over_time", "min_over_time", "stddev_over_time",
  "stdvar_over_time", "quantile_over_time", "rate", "rate_counter", "absent_over_time",
  "first_over_time", "last_over_time",
]);
const RANGE_OPS_WITHOUT_UNWRAP = new Set(["bytes_over_time", "bytes_rate", "count_over_time", "rate", "absent_over_time"]);
const PARSER_STAGES = new Set(["LabelParser", "LogfmtParser", "JsonExpressionParser", "LogfmtExpressionParser"]);

function text(query: string, node: SyntaxNode): string {
  return query.slice(node.from, node.to);
}

function children(node: SyntaxNode, name?: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (!name || child.name === name) found.push(child);
  }
  return found;
}

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const cursor = node.cursor();
  const walk = (): void => {
    do {
      if (cursor.name === name) found.push(cursor.node);
      if (cursor.firstChild()) {
        walk();
        cursor.parent();
      }
    } while (cursor.nextSibling());
  };
  if (cursor.firstChild()) walk();
  return found;
}

function hasAncestor(node: SyntaxNode, name: string): boolean {
  for (let up = node.parent; up; up = up.parent) if (up.name === name) return true;
  return false;
}

/** The value of a LogQL string literal: Go-style double quotes or a raw backtick string. */
export function unquote(literal: string): string {
  if (literal.startsWith("`")) return literal.slice(1, -1);
  return JSON.parse(literal) as string;
}

// Loki refuses a selector whose every matcher also matches the empty value (validateMatchers):
// such a query would read every stream.
function matchesEmpty(matcher: StreamMatcher): boolean {
  switch (matcher.op) {
    case "=":
      return matcher.value === "";
    case "!=":
      return matcher.value !== "";
    case "=~":
      return new RegExp(`^(?:${matcher.value})$`).test("");
    case "!~":
      return !new RegExp(`^(?:${matcher.value})$`).test("");
  }
}

/** Parses a query (variables interpolated) and reports what it uses and what is wrong with it; `streamLabels` are the labels that exist only in selectors. */
export function analyseQuery(query: string, streamLabels: ReadonlySet<string> = new Set()): QueryAnalysis {
  const tree = parser.parse(query);
  const top = tree.topNode;
  const analysis: QueryAnalysis = {
    syntaxErrors: [],
    metric: descendants(top, "MetricExpr").length > 0,
    selectors: [],
    labelFilters: [],
    lineFilters: [],
    numberFilters: [],
    extractions: [],
    bareParsers: [],
    unwraps: [],
    groupings: [],
    lokiRejections: [],
    costProblems: [],
  };
  tree.iterate({
    enter(node) {
      if (node.type.isError) analysis.syntaxErrors.push(`${node.from}: ${JSON.stringify(query.slice(node.from, node.to + 10))}`);
    },
  });
  if (analysis.syntaxErrors.length > 0) return analysis;

  for (const selector of descendants(top, "Selector")) {
    const matchers = descendants(selector, "Matcher").map((m) => {
      const [identifier, op, value] = children(m);
      return { label: text(query, identifier), op: STREAM_OPS[op.name], value: unquote(text(query, value)) };
    });
    analysis.selectors.push(matchers);
    if (matchers.every(matchesEmpty)) {
      analysis.lokiRejections.push(`selector ${text(query, selector)} has no matcher that excludes the empty value`);
    }
  }

  for (const filter of descendants(top, "LabelFilter")) {
    for (const child of children(filter)) {
      if (["Matcher", "NumberFilter", "DurationFilter", "BytesFilter", "IpLabelFilter"].includes(child.name)) {
        const identifier = children(child, "Identifier")[0];
        if (identifier) analysis.labelFilters.push(text(query, identifier));
      }
    }
  }

  for (const filter of descendants(top, "LineFilter")) {
    const op = text(query, children(filter, "Filter")[0]) as LineFilterUse["op"];
    for (const value of children(filter, "String")) analysis.lineFilters.push({ op, value: unquote(text(query, value)) });
  }
  for (const filter of descendants(top, "NumberFilter")) {
    const [identifier, op, literal] = children(filter);
    analysis.numberFilters.push({ label: text(query, identifier), op: text(query, op) as NumberFilterUse["op"], value: Number(text(query, literal)) });
  }

  for (const stage of descendants(top, "LabelExtractionExpression")) {
    const [identifier, , expression] = children(stage);
    const label = text(query, identifier);
    const parserName = hasAncestor(stage, "JsonExpressionParser") ? "json" : "logfmt";
    analysis.extractions.push({ parser: parserName, label, expression: expression ? unquote(text(query, expression)) : label });
  }
  for (const name of ["LabelParser", "LogfmtParser"]) {
    for (const stage of descendants(top, name)) {
      const kind = stage.firstChild?.name;
      // regexp and pattern name what they extract, so they are not bare.
      if (kind === "Json" || kind === "Logfmt" || kind === "Unpack") analysis.bareParsers.push(text(query, stage));
    }
  }

  for (const unwrap of descendants(top, "UnwrapExpr")) {
    if (unwrap.parent?.name === "UnwrapExpr") continue;
    const inner = descendants(unwrap, "Unwrap")[0]?.parent ?? unwrap;
    const identifier = children(inner, "Identifier")[0];
    if (identifier) analysis.unwraps.push(text(query, identifier));
  }

  for (const grouping of descendants(top, "Grouping").concat(descendants(top, "GroupingLabels"))) {
    for (const identifier of descendants(grouping, "Identifier")) analysis.groupings.push(text(query, identifier));
  }

  checkRangeAggregations(query, top, analysis);
  checkVectorAggregations(query, top, analysis);
  checkCost(query, top, analysis, streamLabels);
  return analysis;
}

function checkRangeAggregations(query: string, top: SyntaxNode, analysis: QueryAnalysis): void {
  for (const aggregation of descendants(top, "RangeAggregationExpr")) {
    const op = text(query, children(aggregation, "RangeOp")[0]);
    const hasParam = children(aggregation, "Number").length > 0;
    const grouped = children(aggregation, "Grouping").length > 0;
    const range = children(aggregation, "LogRangeExpr")[0];
    const unwrapped = range !== undefined && children(range, "UnwrapExpr").length > 0;
    const where = text(query, aggregation).slice(0, 60);
    if (op === "quantile_over_time" && !hasParam) analysis.lokiRejections.push(`quantile_over_time needs its quantile: ${where}`);
    if (op !== "quantile_over_time" && hasParam) analysis.lokiRejections.push(`${op} takes no parameter: ${where}`);
    if (grouped && !RANGE_OPS_WITH_GROUPING.has(op)) {
      analysis.lokiRejections.push(`grouping not allowed for ${op} aggregation; aggregate outside it, e.g. sum by (...) (${op}(...)): ${where}`);
    }
    if (unwrapped && !RANGE_OPS_WITH_UNWRAP.has(op)) analysis.lokiRejections.push(`invalid aggregation ${op} with unwrap: ${where}`);
    if (!unwrapped && !RANGE_OPS_WITHOUT_UNWRAP.has(op)) analysis.lokiRejections.push(`invalid aggregation ${op} without unwrap: ${where}`);
  }
}

function checkVectorAggregations(query: string, top: SyntaxNode, analysis: QueryAnalysis): void {
  for (const aggregation of descendants(top, "VectorAggregationExpr")) {
    const op = text(query, children(aggregation, "VectorOp")[0]);
    const params = children(aggregation, "Number").map((n) => text(query, n));
    const grouped = children(aggregation, "Grouping").some((g) => descendants(g, "Identifier").length > 0);
    const where = text(query, aggregation).slice(0, 60);
    if (["topk", "bottomk", "approx_topk"].includes(op)) {
      if (params.length === 0) analysis.lokiRejections.push(`parameter required for operation ${op}: ${where}`);
      else if (!/^\d+$/.test(params[0]) || Number(params[0]) <= 0) analysis.lokiRejections.push(`${op} needs a positive integer: ${where}`);
    } else if (params.length > 0) {
      analysis.lokiRejections.push(`unsupported parameter for operation ${op}: ${where}`);
    }
    if ((op === "sort" || op === "sort_desc") && grouped) analysis.lokiRejections.push(`${op} does not allow grouping: ${where}`);
  }
}

// The project's rules (SPEC section 5): stream labels are matched in the selector, never in a
// label filter; parsers name the fields they extract; a parse or conversion error cannot fail a panel.
function checkCost(query: string, top: SyntaxNode, analysis: QueryAnalysis, streamLabels: ReadonlySet<string>): void {
  for (const bare of analysis.bareParsers) analysis.costProblems.push(`\`| ${bare}\` parses every field; name the fields the panel needs`);
  const extracted = new Set(analysis.extractions.map((e) => e.label));
  for (const range of descendants(top, "LogRangeExpr").concat(descendants(top, "LogExpr"))) {
    const selectorLabels = new Set(descendants(range, "Selector").flatMap((s) => descendants(s, "Identifier").map((i) => text(query, i))));
    let lastRisky = -1; // end of the last stage that can set __error__
    let lastGuard = -1;
    for (const filter of descendants(range, "LabelFilter")) {
      if (isErrorGuard(query, filter)) lastGuard = Math.max(lastGuard, filter.to);
      if (["NumberFilter", "DurationFilter", "BytesFilter"].some((n) => children(filter, n).length > 0)) lastRisky = Math.max(lastRisky, filter.to);
      for (const matcher of children(filter, "Matcher")) {
        const label = text(query, children(matcher, "Identifier")[0]);
        const streamLabel = selectorLabels.has(label) || streamLabels.has(label);
        if (label !== "__error__" && !extracted.has(label) && (streamLabel || analysis.bareParsers.length > 0)) {
          analysis.costProblems.push(`\`${text(query, matcher)}\` filters a stream label after the selector; put it in the stream selector`);
        }
      }
    }
    for (const stage of descendants(range, "PipelineStage")) {
      if (children(stage).some((c) => PARSER_STAGES.has(c.name))) lastRisky = Math.max(lastRisky, stage.to);
    }
    for (const unwrap of descendants(range, "Unwrap")) lastRisky = Math.max(lastRisky, unwrap.parent?.to ?? unwrap.to);
    if (range.name === "LogRangeExpr" && lastRisky >= 0 && lastGuard < lastRisky) {
      analysis.costProblems.push(`no \`__error__=""\` after the last parse, conversion or unwrap in ${text(query, range).slice(0, 60)}`);
    }
  }
}

function isErrorGuard(query: string, filter: SyntaxNode): boolean {
  return /^__error__\s*=\s*(""|``)$/.test(text(query, filter));
}

/**
 * The labels a rendered Alloy config gives Loki streams: `target_label`s of relabel rules and
 * the keys of `stage.labels { values = {...} }`.
 */
export function labelsSetByAlloy(alloyConfig: string): string[] {
  const labels = new Set<string>(stageValues(alloyConfig, "labels"));
  for (const match of alloyConfig.matchAll(/^\s*target_label\s*=\s*"([^"]+)"/gm)) labels.add(match[1]);
  return [...labels].sort();
}

/** The structured metadata a rendered Alloy config attaches to a line: the keys of `stage.structured_metadata { values = {...} }`. */
export function structuredMetadataSetByAlloy(alloyConfig: string): string[] {
  return stageValues(alloyConfig, "structured_metadata").sort();
}

/**
 * The first block of an Alloy config that opens with `header` (`stage.json`, `loki.write "local"`),
 * from its header to the brace that closes it at the header's indentation; "" when there is none.
 */
export function alloyBlock(alloyConfig: string, header: string): string {
  const escaped = header.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^( *)${escaped} \\{[\\s\\S]*?\\n\\1\\}`, "m").exec(alloyConfig)?.[0].trimStart() ?? "";
}

/** The keys of every `stage.<stage> { values = {...} }` block. */
function stageValues(alloyConfig: string, stage: string): string[] {
  const blocks = alloyConfig.matchAll(new RegExp(`stage\\.${stage}\\s*\\{\\s*values\\s*=\\s*\\{([^}]*)\\}`, "g"));
  return [...blocks].flatMap((block) => [...block[1].matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/gm)].map((key) => key[1]));
}
