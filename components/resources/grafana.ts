/** Grafana as a Pulumi component, and where its admin password comes from. */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { PasswordSetting } from "../plan/settings/grafana-admin";
import { DataService, DataServiceArgs } from "./container";

/** Grafana with its data volume and provisioning; starts after Loki is ready. */
export class Grafana extends DataService {
  constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flip:logging:Grafana", name, args, opts);
  }
}

/**
 * A certificate for a development Grafana, made by the stack: a P-256 key and a self-signed
 * certificate for `localhost`, 127.0.0.1 and Grafana's container name, valid for a year and
 * renewed by `pulumi up` in its last 30 days.
 */
export function developmentCertificate(
  containerName: string,
  opts: pulumi.CustomResourceOptions,
): { certificate: pulumi.Output<string>; key: pulumi.Output<string> } {
  const key = new tls.PrivateKey("grafana-tls-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
  const certificate = new tls.SelfSignedCert(
    "grafana-tls-certificate",
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: "localhost", organization: "FLIP development" },
      dnsNames: ["localhost", containerName],
      ipAddresses: ["127.0.0.1"],
      validityPeriodHours: 24 * 365,
      earlyRenewalHours: 24 * 30,
      allowedUses: ["key_encipherment", "digital_signature", "server_auth"],
    },
    opts,
  );
  return { certificate: certificate.certPem, key: pulumi.secret(key.privateKeyPem) };
}

/**
 * The admin password as a secret output: the one given in config, or one generated for a
 * development stack (`parseSettings` has already refused production without one).
 */
export function adminPasswordOutput(setting: PasswordSetting, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
  switch (setting.kind) {
    case "given":
      return pulumi.secret(setting.value);
    case "generate":
      return pulumi.secret(new random.RandomPassword("grafana-admin-password", { length: 24, special: false }, opts).result);
    case "sealed":
      throw new pulumi.RunError("`grafanaAdminPassword` could not be decrypted; check the stack's secrets provider");
  }
}
