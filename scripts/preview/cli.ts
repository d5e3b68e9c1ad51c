/**
 * The workflow's command: builds the "rendered diff" pull-request comment from two render folders.
 *
 *   ts-node --transpile-only scripts/preview/cli.ts --base <dir> --head <dir> [--out <file>]
 *       [--base-sha <sha>] [--head-sha <sha>]
 *
 * <dir> holds one folder per stack, each the output of `npm run render -- --stack <stack> --out <dir>/<stack>`
 * (see scripts/render-all.sh). It needs no Pulumi backend, no secrets and no Docker: it only
 * compares two trees of files. The comment goes to --out, or to stdout.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { diffStacks, renderUnavailable } from "./compare";
import { formatComment } from "./comment";

const USAGE = "usage: scripts/preview/cli.ts --base <dir> --head <dir> [--out <file>] [--base-sha <sha>] [--head-sha <sha>]";

/** The comment for two render folders, as the pull request shows it. */
export function commentForRenders(baseDir: string, headDir: string, shas: { baseSha?: string; headSha?: string } = {}): string {
  return formatComment(diffStacks(baseDir, headDir), { ...shas, baseRenderUnavailable: renderUnavailable(baseDir) });
}

/** Runs the command with these arguments; returns the exit code (2 for a usage error). */
export function main(argv: string[]): number {
  let values: { base?: string; head?: string; out?: string; "base-sha"?: string; "head-sha"?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        base: { type: "string" },
        head: { type: "string" },
        out: { type: "string" },
        "base-sha": { type: "string" },
        "head-sha": { type: "string" },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.base || !values.head) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const body = commentForRenders(values.base, values.head, { baseSha: values["base-sha"], headSha: values["head-sha"] });
  if (values.out) fs.writeFileSync(values.out, body);
  else process.stdout.write(body);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
