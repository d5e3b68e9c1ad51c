// Runs Grafana's own frontend data code (@grafana/data) in plain Node, which can load its ES
// module dependencies where Jest cannot. Used by tests/helpers/grafana-data.ts.
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

// One series of a Loki range query as Grafana's Loki datasource hands it to a panel: fields Time
// and Value, the labels on Value, and Value's display name set from the target's legend
// (pkg/tsdb/loki/frame.go, adjustMetricFrame; the name is computed by grafana-data.ts).
const lokiSeries = ({ refId, labels, points, displayName }) =>
  grafana.toDataFrame({
    refId,
    name: displayName,
    fields: [
      { name: "Time", type: grafana.FieldType.time, values: points.map(([time]) => time) },
      { name: "Value", type: grafana.FieldType.number, values: points.map(([, value]) => value), labels, config: { displayNameFromDS: displayName } },
    ],
  });

// Reads {panel, series, show} as JSON on stdin. show "stat": the texts a stat panel shows;
// show "frames": the frames after the transformations, each field by display name, type and values.
async function main() {
  const { panel, series, show } = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const transformed = await lastValueFrom(grafana.transformDataFrame(panel.transformations ?? [], series.map(lokiSeries)));
  if (show === "frames") {
    const frames = transformed.map((frame) =>
      frame.fields.map((field) => ({ name: grafana.getFieldDisplayName(field, frame, transformed), type: field.type, values: [...field.values] })),
    );
    process.stdout.write(JSON.stringify(frames));
    return;
  }
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
