/**
 * Test certificates and keys (tests/fixtures/tls), made once with openssl for these tests: a
 * P-256 key each, certificates for grafana.trust.local signed by a throwaway test CA.
 * `valid` runs until 2126, `soon` ends on 2026-12-05, `expired` ended on 2021-01-01; `other.key`
 * belongs to no certificate.
 */
import * as fs from "fs";
import * as path from "path";

const read = (name: string) => fs.readFileSync(path.join(__dirname, "..", "fixtures", "tls", name), "utf8");

/** The fixtures' PEM texts. */
export const TLS = {
  validCertificate: read("valid.pem"),
  validKey: read("valid.key"),
  soonCertificate: read("soon.pem"),
  soonKey: read("soon.key"),
  expiredCertificate: read("expired.pem"),
  expiredKey: read("expired.key"),
  otherKey: read("other.key"),
};
