/**
 * `npm run render -- --stack <name> --out <dir>`: writes the files a stack's containers would get,
 * and `containers.json`, without the Pulumi CLI, a backend or Docker. Same settings, same bytes.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { adminPasswordRenderWarning } from "../components/plan/settings/grafana-admin";
import { tlsRenderWarnings } from "../components/plan/settings/tls";
import { rawConfigFromStackYaml } from "../components/plan/settings/config-source";
import { parseSettings, Settings } from "../components/plan/settings";
import { renderPlanFiles, stackPlan } from "../components/plan/stack";

/** Settings of a stack, read from `Pulumi.<stack>.yaml` in the project folder and validated. */
export function loadStackSettings(stack: string, projectDir: string): Settings {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`no stack file ${path.relative(process.cwd(), file) || file} for stack \`${stack}\``);
  }
  const raw = rawConfigFromStackYaml(fs.readFileSync(file, "utf8"), path.relative(projectDir, file));
  return parseSettings(raw, stack, { secretsReadable: false });
}

/** Renders a stack into `outDir`, replacing what an earlier render left there; returns the paths written. */
export function renderStack(settings: Settings, outDir: string): string[] {
  const files = renderPlanFiles(stackPlan(settings));
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) {
    // Only an earlier render is cleared, so a mistyped --out cannot wipe someone's folder.
    if (!fs.existsSync(path.join(outDir, "containers.json"))) {
      throw new Error(`refusing to write into ${outDir}: it is not empty and holds no earlier render`);
    }
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(outDir, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  return Object.keys(files);
}

const USAGE = "usage: npm run render -- --stack <name> --out <dir>";

/** `--stack` and `--out` from the command line, or an error whose message is the usage line. */
function parseRenderArgs(argv: string[]): { stack: string; out: string } {
  let values: { stack?: string; out?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { stack: { type: "string" }, out: { type: "string" } }, strict: true }));
  } catch {
    // An unknown option, a stray argument or an option without its value: the usage says it all.
    throw new Error(USAGE);
  }
  if (!values.stack || !values.out) throw new Error(USAGE);
  return { stack: values.stack, out: values.out };
}

/** Where the command writes: the process's streams, or a test's. */
export interface Output {
  /** Progress lines. */
  stdout: (text: string) => void;
  /** Warnings and errors. */
  stderr: (text: string) => void;
}

/**
 * The render command: reads `Pulumi.<stack>.yaml` from `projectDir` (as Pulumi does from the
 * project folder), renders into `--out`, and returns the exit code.
 */
export function main(argv: string[], projectDir: string, output: Output): number {
  try {
    const { stack, out } = parseRenderArgs(argv);
    const settings = loadStackSettings(stack, projectDir);
    // The password never reaches a rendered file, so the render can go on; `pulumi up` will not.
    const warnings = [
      adminPasswordRenderWarning(settings.environment === "production", settings.grafanaAdminPassword) ?? [],
      tlsRenderWarnings(settings.grafanaTls, settings.grafanaTlsCertificate, settings.grafanaTlsKey),
    ].flat();
    for (const warning of warnings) {
      output.stderr(`${warning}\n`);
    }
    const written = renderStack(settings, path.resolve(projectDir, out));
    output.stdout(`rendered stack ${stack}: ${written.length} files in ${out}\n`);
    return 0;
  } catch (error) {
    output.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.cwd(), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
