/**
 * rspamd's local settings on the mail host. From the mail plan and the domain model; no Pulumi here.
 *
 * Reference: rspamd "MTA integration" (milter proxy worker).
 */
import { DomainModel } from "../../model/domain";
import { MailPlan } from "../../model/mail";
import { RSPAMD_MILTER } from "./common";
import { dkimKeyPath } from "./dkim";
import { generatedHeader } from "../header";

/** rspamd's local settings: the milter proxy scanning by itself, the actions' thresholds, the DCs as resolvers. */
export function renderRspamd(plan: MailPlan, domain: DomainModel): Record<string, string> {
    const head = (what: string) => generatedHeader("#", { host: plan.host.name, what: `${what}.` });
    return {
        "worker-proxy.inc": [
            head("the milter Postfix calls, scanning itself (no separate normal worker)"),
            `bind_socket = "${RSPAMD_MILTER}";`,
            "milter = yes;",
            "timeout = 120s;",
            'upstream "local" {',
            "  default = yes;",
            "  self_scan = yes;",
            "}",
            "",
        ].join("\n"),
        "worker-normal.inc": [head("the proxy scans itself"), "enabled = false;", ""].join("\n"),
        "actions.conf": [
            head("what a score does (billu:mail.spam)"),
            `reject = ${plan.spam.rejectScore};`,
            `add_header = ${plan.spam.addHeaderScore};`,
            "# Greylisting needs Redis, which this server does not run.",
            "greylist = null;",
            "",
        ].join("\n"),
        "options.inc": [
            head("resolve through the domain controllers"),
            "dns {",
            `  nameserver = [${domain.dcs.map((d) => `"${d.address}"`).join(", ")}];`,
            "}",
            "",
        ].join("\n"),
        "milter_headers.conf": [
            head("spam headers on every message that arrives without a logon"),
            'use = ["x-spamd-bar", "x-spam-level", "authentication-results"];',
            "extended_spam_headers = true;",
            "# rspamd counts the private networks as local and would skip them: BillU's own clients are scanned too.",
            "skip_local = false;",
            "skip_authenticated = true;",
            "",
        ].join("\n"),
        "dkim_signing.conf": [
            head("DKIM signatures on the mail users send with a logon (billu:mail.dkim)"),
            "enabled = true;",
            "sign_authenticated = true;",
            "sign_local = false;",
            "sign_inbound = false;",
            "# The domain of the From header, exactly: its registrable part (use_esld) would be another domain.",
            'use_domain = "header";',
            "use_esld = false;",
            "# Users log on with their account name or their address; Postfix already refuses a From they do not own.",
            "allow_username_mismatch = true;",
            "allow_hdrfrom_mismatch = false;",
            "try_fallback = false;",
            "domain {",
            `  "${plan.domain}" {`,
            `    selector = "${plan.dkim.selector}";`,
            `    path = "${dkimKeyPath(plan)}";`,
            "  }",
            "}",
            "",
        ].join("\n"),
    };
}
