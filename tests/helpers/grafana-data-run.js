// Runs Grafana's own frontend data code (@grafana/data) in plain Node, which can load its ES
// module dependencies where Jest cannot. Reads {panel, series} as JSON on stdin and writes the
// texts the stat panel shows. Used by tests/helpers/grafana-data.ts.
globalThis.window ??= globalThis;
globalThis.navigator ??= { language: "en-GB", languages: ["en-GB"] };
const grafana = require("@grafana/data");
const { lastValueFrom } = require("rxjs");

// Grafana's app registers its standard transformations at start; the package only lists them.
grafana.standardTransformersRegistry.setInit(() =>
  [...new Map(Object.values(grafana.standardTransformers).map((t) => [t.id, t])).values()].map((transformation) => ({
    id: transformation.id,
    name: transformation.name,
    description: transformation.description,
    transformation,
    editor: () => null,
    imageDark: "",
    imageLight: "",
  })),
);

// The standard field options a stat's config uses, as Grafana's app registers them (each value taken as written).
const fieldConfigRegistry = new grafana.FieldConfigOptionsRegistry(() =>
  ["unit", "decimals", "noValue", "min", "max", "thresholds", "color", "displayName"].map((id) => ({
    id,
    path: id,
    name: id,
    process: (value) => value,
    shouldApply: () => true,
    override: () => null,
    editor: () => null,
  })),
);

// One series of a Loki range query as Grafana's Loki datasource hands it to a panel.
const lokiSeries = ({ refId, labels, points }) =>
  grafana.toDataFrame({
    refId,
    fields: [
      { name: "Time", type: grafana.FieldType.time, values: points.map(([time]) => time) },
      { name: "Value", type: grafana.FieldType.number, values: points.map(([, value]) => value), labels },
    ],
  });

async function main() {
  const { panel, series } = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const transformed = await lastValueFrom(grafana.transformDataFrame(panel.transformations ?? [], series.map(lokiSeries)));
  const common = { fieldConfig: panel.fieldConfig, replaceVariables: (text) => text, theme: grafana.createTheme(), timeZone: "utc" };
  // The panel's field config (unit, decimals, no-value text) applied to the frames, as a panel does before it draws.
  const data = grafana.applyFieldOverrides({ ...common, data: transformed, fieldConfigRegistry });
  const values = grafana.getFieldDisplayValues({
    ...common,
    data,
    reduceOptions: panel.options.reduceOptions,
  });
  process.stdout.write(JSON.stringify(values.map((value) => grafana.formattedValueToString(value.display))));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exitCode = 1;
});
