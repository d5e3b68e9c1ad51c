import { fillTemplate } from "../components/plan/shared/templates";

describe("config file templates", () => {
  it("fills every placeholder, with or without spaces inside the braces", () => {
    expect(fillTemplate("a: {{ one }}\nb: {{two}}\n", { one: "1", two: "2" })).toBe("a: 1\nb: 2\n");
  });

  it("indents a multi-line value like the line of its placeholder", () => {
    expect(fillTemplate("block {\n  {{ body }}\n}", { body: "x = 1\ny = 2" })).toBe("block {\n  x = 1\n  y = 2\n}");
  });

  it("removes the line of a placeholder left empty, so no blank indented line remains", () => {
    expect(fillTemplate("block {\n  a = 1\n  {{ extra }}\n}", { extra: "" })).toBe("block {\n  a = 1\n}");
  });

  it("refuses a placeholder that has no value, so no literal braces reach a site", () => {
    expect(() => fillTemplate("port: {{ lokiPort }}", {}, "loki/loki-config.yml")).toThrow(
      "loki/loki-config.yml: no value for placeholder {{ lokiPort }}",
    );
  });

  it("refuses a value that no placeholder uses, so a renamed placeholder is noticed", () => {
    expect(() => fillTemplate("static: true", { retentionPeriod: "720h" }, "loki/loki-config.yml")).toThrow(
      "loki/loki-config.yml: values given for no placeholder: retentionPeriod",
    );
  });

  it("treats every double-brace name as a placeholder, so a Grafana legend such as {{api}} cannot sit in a template", () => {
    expect(() => fillTemplate('"legendFormat": "{{api}}"', {})).toThrow("no value for placeholder {{ api }}");
  });
});
