/**
 * `npm run sync-docs`: rewrites the two places that follow from the settings' declarations, the
 * README's settings table and the `config:` block of `Pulumi.yaml`. Tests fail until they agree.
 */
import * as fs from "fs";
import * as path from "path";
import { projectConfigDocument, settingsTableMarkdown } from "../components/plan/settings/docs";

const TABLE = /(<!-- settings-table:start -->\n)[\s\S]*?(\n<!-- settings-table:end -->)/;
const CONFIG_BLOCK = /\n(?:#[^\n]*\n)*config:\n[\s\S]*$/;

/** The README with its settings table regenerated. */
export function syncReadme(readme: string): string {
  return readme.replace(TABLE, (_, start: string, end: string) => `${start}${settingsTableMarkdown()}${end}`);
}

/** `Pulumi.yaml` with its `config:` block (and the comment above it) regenerated. */
export function syncProjectFile(project: string): string {
  return project.replace(CONFIG_BLOCK, "") + "\n" + projectConfigDocument();
}

if (require.main === module) {
  const root = path.join(__dirname, "..");
  for (const [file, sync] of [["README.md", syncReadme], ["Pulumi.yaml", syncProjectFile]] as const) {
    const target = path.join(root, file);
    fs.writeFileSync(target, sync(fs.readFileSync(target, "utf8")));
  }
}
