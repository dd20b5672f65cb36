/**
 * rspamd's local settings on the mail host. From the mail plan and the domain model; no Pulumi here.
 *
 * Reference: rspamd "MTA integration" (milter proxy worker).
 */
import { DomainModel } from "../../model/domain";
import { MAIL_REFUSALS, MailPlan } from "../../model/mail";
import { RSPAMD_MILTER_PORT } from "../../model/mx";
import { CLAMD_SOCKET, REFUSED_EXTENSIONS_MAP, RSPAMD_MILTER } from "./common";
import { dkimKeyPath } from "./dkim";
import { generatedHeader } from "../header";

/** rspamd's local settings: the milter proxy scanning by itself, the actions' thresholds, the DCs as resolvers. */
export function renderRspamd(plan: MailPlan, domain: DomainModel): Record<string, string> {
    const head = (what: string) => generatedHeader("#", { host: plan.host.name, what: `${what}.` });
    return {
        "worker-proxy.inc": [
            head("the milter Postfix calls, scanning itself (no separate normal worker)"),
            `bind_socket = "${RSPAMD_MILTER}";`,
            // Behind an inbound relay (billu:mx) the relay asks this milter before its own 250, so the internet's client
            // is told of a refusal: it listens on the server's own address too. The firewall opens that port to the
            // relay alone (flow <relay> -> <mail server> rspamd-milter); rspamd's proxy has no client list of its own.
            ...(plan.relay
                ? [
                      `# ${plan.relay.name}, the inbound relay (${plan.relay.address}), asks here before it answers the internet's client.`,
                      `bind_socket = "${plan.host.address}:${RSPAMD_MILTER_PORT}";`,
                  ]
                : []),
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
            head(plan.relay ? "resolve through the domain controllers; the inbound relay is a local address" : "resolve through the domain controllers"),
            "dns {",
            `  nameserver = [${domain.dcs.map((d) => `"${d.address}"`).join(", ")}];`,
            "}",
            ...(plan.relay
                ? [
                      `# ${plan.relay.name}, the inbound relay, is local (merged with rspamd's private ranges, whatever its DMZ's range):`,
                      "# external_relay's local strategy starts from it; the internet's addresses never are.",
                      `local_addrs = ["${plan.relay.address}"];`,
                  ]
                : []),
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
        "antivirus.conf": [
            head("ClamAV scans every message (clamd, its signatures from freshclam)"),
            "clamav {",
            '  type = "clamav";',
            `  servers = "${CLAMD_SOCKET}";`,
            "  # The whole message, every part (a text part too), not only what rspamd counts as attachments.",
            "  scan_mime_parts = false;",
            `  max_size = ${plan.messageSizeBytes};`,
            '  symbol = "CLAM_VIRUS";',
            "  timeout = 20;",
            "  retransmits = 1;",
            "}",
            "",
        ].join("\n"),
        "multimap.conf": [
            head("attachments refused by policy (billu:mail.attachments.refusedExtensions)"),
            "BILLU_REFUSED_ATTACHMENT {",
            '  type = "filename";',
            '  filter = "extension";',
            `  map = "${REFUSED_EXTENSIONS_MAP}";`,
            "  score = 10.0;",
            '  description = "an attachment of a type BillU refuses";',
            "}",
            "",
        ].join("\n"),
        [REFUSED_EXTENSIONS_MAP.slice(REFUSED_EXTENSIONS_MAP.lastIndexOf("/") + 1)]: plan.attachments.refusedExtensions.map((e) => `${e}\n`).join(""),
        "force_actions.conf": [
            head("what policy refuses, whatever the score: a virus, a refused attachment, a DMARC p=reject failure; a scanner down defers"),
            "rules {",
            "  BILLU_VIRUS {",
            '    action = "reject";',
            '    expression = "CLAM_VIRUS";',
            `    message = "${MAIL_REFUSALS.virus}";`,
            "  }",
            "  BILLU_ATTACHMENT {",
            '    action = "reject";',
            '    expression = "BILLU_REFUSED_ATTACHMENT";',
            `    message = "${MAIL_REFUSALS.attachment}";`,
            "  }",
            "  # A domain that publishes DMARC p=reject asks receivers to refuse what fails it (RFC 7489, section 6.3): refused,",
            "  # not scored. rspamd's dmarc module inserts DMARC_POLICY_REJECT only for p=reject (and pct, when sampled in).",
            "  BILLU_DMARC_REJECT {",
            '    action = "reject";',
            '    expression = "DMARC_POLICY_REJECT";',
            `    message = "${MAIL_REFUSALS.dmarcReject}";`,
            "  }",
            "  # Never accepted unscanned: clamd down (or too slow) defers the message, the sender's server retries.",
            "  BILLU_SCANNER_DOWN {",
            '    action = "soft reject";',
            '    expression = "CLAM_VIRUS_FAIL";',
            `    message = "${MAIL_REFUSALS.scannerDown}";`,
            "  }",
            "}",
            "",
        ].join("\n"),
        "external_relay.conf": renderExternalRelay(plan, head),
    };
}

/**
 * rspamd's external_relay module (rspamd 3.4: plugins/external_relay.lua). Mail from the internet reaches this server
 * through the inbound relay (billu:mx), so the connecting address is the relay's private one, which rspamd's SPF,
 * DMARC and RBL checks skip as local: without this module inbound mail is not checked at all. The `local` strategy:
 * when the connecting address is local (the relay, in options.inc's local_addrs), the sender is the first address in
 * the Received lines that is not local, i.e. the one the relay wrote for the internet's client (forged lines below it
 * are never reached: the relay's own line comes first). Not `hostname_map`: it keys on the client's reverse-DNS name,
 * which AD DNS does not serve for the DMZ; not `count`: internal servers also send to port 25 directly, with fewer
 * Received lines. Without a relay the module stays off (rspamd's default), written so to undo a removed relay.
 * https://rspamd.com/doc/modules/external_relay.html
 */
function renderExternalRelay(plan: MailPlan, head: (what: string) => string): string {
    if (!plan.relay) {
        return [head("no inbound relay: rspamd sees the internet's client itself"), "enabled = false;", ""].join("\n");
    }
    return [
        head(`the internet's mail arrives through ${plan.relay.name} (${plan.relay.address}): judge the sender it received from`),
        "enabled = true;",
        "rules {",
        "  BILLU_INBOUND_RELAY {",
        '    strategy = "local";',
        "  }",
        "}",
        "",
    ].join("\n");
}
