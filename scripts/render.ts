/**
 * `npm run render -- --stack <name> --out <dir>`: writes the files a stack's containers would get,
 * and `containers.json`, without the Pulumi CLI, a backend or Docker. Same settings, same bytes.
 */
import * as fs from "fs";
import * as path from "path";
import { parseSettings, rawConfigFromStackYaml, Settings, SettingsError } from "../components/settings";
import { renderPlanFiles, stackPlan } from "../components/stack";

const PROJECT_DIR = path.join(__dirname, "..");

/** Settings of a stack, read from `Pulumi.<stack>.yaml` in the project folder and validated. */
export function loadStackSettings(stack: string, projectDir = PROJECT_DIR): Settings {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`no stack file ${path.relative(process.cwd(), file) || file} for stack \`${stack}\``);
  }
  return parseSettings(rawConfigFromStackYaml(fs.readFileSync(file, "utf8")), stack, { secretsReadable: false });
}

/** Renders a stack into `outDir`, replacing what an earlier render left there; returns the paths written. */
export function renderStack(settings: Settings, outDir: string): string[] {
  const files = renderPlanFiles(stackPlan(settings));
  fs.rmSync(outDir, { recursive: true, force: true });
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(outDir, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  return Object.keys(files);
}

function parseArgs(argv: string[]): { stack: string; out: string } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!["--stack", "--out"].includes(argv[i]) || argv[i + 1] === undefined) {
      throw new Error("usage: npm run render -- --stack <name> --out <dir>");
    }
    args.set(argv[i], argv[i + 1]);
  }
  const stack = args.get("--stack");
  const out = args.get("--out");
  if (!stack || !out) {
    throw new Error("usage: npm run render -- --stack <name> --out <dir>");
  }
  return { stack, out };
}

function main(): void {
  try {
    const { stack, out } = parseArgs(process.argv.slice(2));
    const settings = loadStackSettings(stack);
    if (settings.environment === "production" && settings.grafanaAdminPassword.kind === "generate") {
      // The password never reaches a rendered file, so the render can go on; `pulumi up` will not.
      process.stderr.write(
        "warning: `grafanaAdminPassword` is not set; `pulumi up` refuses production without it " +
          "(`pulumi config set --secret grafanaAdminPassword <password>`)\n",
      );
    }
    const written = renderStack(settings, out);
    process.stdout.write(`rendered stack ${stack}: ${written.length} files in ${out}\n`);
  } catch (error) {
    const message = error instanceof SettingsError ? `invalid settings:\n${error.message}` : String((error as Error).message ?? error);
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main();
}
