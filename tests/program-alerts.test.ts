/**
 * The alert settings through the Pulumi program under mocks: secrets set with `--secret` reach
 * Grafana as secret files only, and a bad secret URL stops the program before any resource.
 */
import { ALERT_SECRET_PATHS } from "../components/plan/grafana/alerting";
import { PRODUCTION_BASE, PRODUCTION_PASSWORD } from "./helpers/bad-settings";
import { declaredContainer, DeclaredResource, isSecretInput, list, plain, stackFileConfig } from "./helpers/program";

const TEAMS_URL = "https://nhs.webhook.office.com/webhookb2/abc@def/IncomingWebhook/0123/t0ken-teams";
const WEBHOOK_URL = "https://alerts.trust.nhs.uk/flip?token=t0ken-hook";
const SMTP_PASSWORD = "smtp-pa55-word-9";

/** Runs the program on a config in a fresh module registry; returns what it declared, or what it threw. */
async function run(stack: string, config: { values: Record<string, string>; secrets: string[] }) {
  let declared: DeclaredResource[] = [];
  let thrown: unknown;
  await jest.isolateModulesAsync(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const helpers = require("./helpers/program") as typeof import("./helpers/program");
    declared = helpers.mockStack(stack, config);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      await helpers.runProgram(() => require("../index"));
    } catch (error) {
      thrown = error;
    }
    await helpers.settle();
  });
  return { declared, thrown };
}

describe("a dev stack with every contact point, secrets set with --secret", () => {
  const config = stackFileConfig("dev", {
    values: {
      alertEmailTo: "ops@trust.nhs.uk",
      alertEmailFrom: "flip@trust.nhs.uk",
      alertSmtpHost: "smtp.trust.nhs.uk",
      alertSmtpUser: "flip",
      alertSmtpPassword: SMTP_PASSWORD,
      alertTeamsWebhookUrl: TEAMS_URL,
      alertWebhookUrl: WEBHOOK_URL,
    },
    secrets: ["alertSmtpPassword", "alertTeamsWebhookUrl", "alertWebhookUrl"],
  });

  it("uploads each secret into Grafana as a secret file readable by its group only", async () => {
    const { declared, thrown } = await run("dev", { values: config.values, secrets: config.secrets ?? [] });
    expect(thrown).toBeUndefined();
    const uploads = list(declaredContainer(declared, "dev-grafana").wire.uploads);
    const secretFiles = uploads.filter((upload) => isSecretInput(upload.content) && !upload.file.startsWith("/etc/grafana/tls/"));
    expect(secretFiles.map((upload) => [upload.file, plain(upload.content), upload.permissions])).toEqual([
      ["/etc/grafana/secrets/admin-password", "generated-password-xyz", "0440"],
      [ALERT_SECRET_PATHS.smtpPassword, SMTP_PASSWORD, "0440"],
      [ALERT_SECRET_PATHS.teamsWebhookUrl, TEAMS_URL, "0440"],
      [ALERT_SECRET_PATHS.webhookUrl, WEBHOOK_URL, "0440"],
    ]);
  });

  it("keeps Grafana's environment and its provisioning files readable, and the secrets out of them", async () => {
    const { declared } = await run("dev", { values: config.values, secrets: config.secrets ?? [] });
    const grafana = declaredContainer(declared, "dev-grafana").wire;
    expect(list(grafana.envs).filter(isSecretInput)).toEqual([]);
    expect(list(grafana.envs)).toContain(`GF_SMTP_PASSWORD__FILE=${ALERT_SECRET_PATHS.smtpPassword}`);
    const readable = JSON.stringify([list(grafana.envs), list(grafana.uploads).filter((upload) => !isSecretInput(upload.content))]);
    for (const secret of [SMTP_PASSWORD, "t0ken-teams", "t0ken-hook"]) expect(readable).not.toContain(secret);
    expect(readable).toContain("$__file{/etc/grafana/secrets/teams-webhook-url}");
  });
});

describe("a production stack", () => {
  it("refuses a webhook over plain http set with --secret, without echoing it, before any resource", async () => {
    await jest.isolateModulesAsync(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { mockStack, settle } = require("./helpers/program") as typeof import("./helpers/program");
      const declared = mockStack("prod", {
        values: { ...PRODUCTION_BASE, grafanaAdminPassword: PRODUCTION_PASSWORD, alertWebhookUrl: "http://alerts.trust.nhs.uk/flip?token=t0ken-hook" },
        secrets: ["grafanaAdminPassword", "alertWebhookUrl"],
      });
      let message = "";
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require("../index");
      } catch (error) {
        message = (error as Error).message;
      }
      await settle();
      expect(message).toBe(
        "invalid settings in stack `prod`:\n  - `alertWebhookUrl` is [secret], but production requires an `https://` URL, so alerts and the URL's token do not cross the network in clear text",
      );
      expect(declared).toEqual([]);
    });
  });
});
