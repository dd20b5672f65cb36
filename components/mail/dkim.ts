/**
 * DKIM: the key's path in the guest, the public key's DNS form, and (the `mail-directory` step publishes the
 * records: components/directory/mail.ts). Pure: no Pulumi here.
 *
 * Reference: RFC 6376, section 3.6.1 (the key record: `p=` is the base64 of the DER SubjectPublicKeyInfo, which is
 * what a PEM `PUBLIC KEY` block holds).
 */
import { MailPlan } from "../../model/mail";
import { MAIL_PATHS } from "./common";

/** The private key's path: `<dkimDir>/<domain>.<selector>.key`. */
export function dkimKeyPath(plan: MailPlan): string {
    return `${MAIL_PATHS.dkimDir}/${plan.domain}.${plan.dkim.selector}.key`;
}

/** The base64 DER of a PEM `PUBLIC KEY` (what `p=` takes); anything else is refused with what was received. */
export function dkimPublicKeyData(publicKeyPem: string): string {
    const m = /^\s*-----BEGIN PUBLIC KEY-----([^]+?)-----END PUBLIC KEY-----\s*$/.exec(publicKeyPem);
    if (!m) throw new Error(`the DKIM public key is not a PEM PUBLIC KEY block: ${JSON.stringify(publicKeyPem.slice(0, 40))}`);
    return m[1].replace(/\s+/g, "");
}
