/**
 * Pure renderers of the telephony service (model/telephony.ts): the FreePBX Bulk Handler CSV of the extensions, the
 * ring groups' table, the reception's dialplan (extensions_custom.conf), the Apache sites (admin from the management
 * zone, provisioning for the phones) and the data the `pbx` step reads. No Pulumi here; the step logic is in
 * scripts/telephony/*, read verbatim. SIP secrets and voicemail PINs never appear in a rendered file: the CSV carries
 * the guest step's `{{secret:<name>}}` placeholders and receives the values on the step's stdin.
 */
import { readFileSync } from "fs";
import type { Extension, TelephonyPlan } from "../../model/telephony";
import { GuestDir, GuestFile, placeholder, stepScript } from "../guest-step/render";
import { generatedHeader } from "../header";
import { repoPath } from "../paths";

export const PBX_PATHS = {
    dir: "/etc/billu/pbx",
    ca: "/etc/billu/pbx/ca.pem",
    cert: "/etc/billu/pbx/cert.pem",
    key: "/etc/billu/pbx/key.pem",
    extensions: "/etc/billu/pbx/extensions.csv",
    ringGroups: "/etc/billu/pbx/ringgroups.csv",
    settings: "/etc/billu/pbx/settings.env",
    applier: "/etc/billu/pbx/apply.php",
    dialplan: "/etc/asterisk/extensions_custom.conf",
    adminSite: "/etc/apache2/sites-available/billu-pbx-admin.conf",
    provisioningSite: "/etc/apache2/sites-available/billu-pbx-provisioning.conf",
    provisioningRoot: "/var/www/provisioning",
} as const;

/** The secrets the step receives on stdin: the site CA's certificate, the PBX's certificate and key. */
export const PBX_SECRETS = { ca: "pbx-ca", cert: "pbx-cert", key: "pbx-key" } as const;
/** Each extension's SIP secret and voicemail PIN, by name. */
export const sipSecretName = (ext: string) => `sip-${ext}`;
export const voicemailPinName = (ext: string) => `vm-${ext}`;

/**
 * The columns FreePBX's Bulk Handler accepts for `extensions` (fwconsole bulkimport --type=extensions, Console/
 * Bulkimport.class.php): the header of its own export, FreePBX/bulkhandler `tools/sample bulk handler output.csv`
 * and `utests/extensions.csv`, plus the PJSIP device settings of Core's driver (FreePBX/core
 * `functions.inc/drivers/PJSip.class.php` getDefaultDeviceSettings: transport, media_encryption,
 * media_encryption_optimistic, max_contacts, ...). A rendered header must be a subset of this list.
 */
export const FREEPBX_EXTENSION_COLUMNS: readonly string[] = [
    "extension",
    "password",
    "name",
    "voicemail",
    "ringtimer",
    "noanswer",
    "recording",
    "outboundcid",
    "sipname",
    "noanswer_cid",
    "busy_cid",
    "chanunavail_cid",
    "noanswer_dest",
    "busy_dest",
    "chanunavail_dest",
    "mohclass",
    "id",
    "tech",
    "dial",
    "devicetype",
    "user",
    "description",
    "emergency_cid",
    "recording_in_external",
    "recording_out_external",
    "recording_in_internal",
    "recording_out_internal",
    "recording_ondemand",
    "recording_priority",
    "answermode",
    "intercom",
    "accountcode",
    "allow",
    "avpf",
    "callerid",
    "canreinvite",
    "context",
    "defaultuser",
    "deny",
    "disallow",
    "dtmfmode",
    "encryption",
    "force_avp",
    "host",
    "icesupport",
    "mailbox",
    "namedcallgroup",
    "namedpickupgroup",
    "nat",
    "permit",
    "port",
    "qualify",
    "qualifyfreq",
    "secret",
    "sendrpid",
    "sessiontimers",
    "sipdriver",
    "transport",
    "trustrpid",
    "type",
    "videosupport",
    "callwaiting_enable",
    "findmefollow_strategy",
    "findmefollow_grptime",
    "findmefollow_grppre",
    "findmefollow_grplist",
    "findmefollow_annmsg_id",
    "findmefollow_postdest",
    "findmefollow_dring",
    "findmefollow_needsconf",
    "findmefollow_remotealert_id",
    "findmefollow_toolate_id",
    "findmefollow_ringing",
    "findmefollow_pre_ring",
    "findmefollow_voicemail",
    "findmefollow_changecid",
    "findmefollow_fixedcid",
    "findmefollow_enabled",
    "languages_language",
    "voicemail_enable",
    "voicemail_vmpwd",
    "voicemail_email",
    "voicemail_pager",
    "voicemail_options",
    "media_encryption",
    "media_encryption_optimistic",
    "max_contacts",
    "rtp_symmetric",
    "force_rport",
    "rewrite_contact",
    "media_use_received_transport",
];

/**
 * The ring groups' columns: FreePBX's `ringgroups` table as Ringgroups::add() writes it (FreePBX/ringgroups
 * Ringgroups.class.php: grpnum, strategy, grptime, grplist, postdest, description). The Bulk Handler has no ring
 * group type (bulkimport takes extensions and dids), so the step's applier (apply.php) calls that same add().
 */
export const RING_GROUP_COLUMNS = ["grpnum", "description", "strategy", "grptime", "grplist", "postdest"] as const;

/** The extensions' columns, in order: a subset of FREEPBX_EXTENSION_COLUMNS (a test checks it). */
export const EXTENSION_COLUMNS = [
    "extension",
    "name",
    "description",
    "tech",
    "secret",
    "callerid",
    "transport",
    "media_encryption",
    "media_encryption_optimistic",
    "max_contacts",
    "voicemail",
    "voicemail_enable",
    "voicemail_vmpwd",
    "voicemail_email",
    "voicemail_options",
] as const;

/** The TLS transport FreePBX names after its bind address and protocol (Settings > SIP Settings, chan_pjsip). */
export const TLS_TRANSPORT = "0.0.0.0-tls";

/** One CSV field: quoted when it holds a separator, a quote or a line break (RFC 4180). */
export function csvField(v: string): string {
    return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const csv = (rows: readonly (readonly string[])[]) => rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n";

/** The ASCII a CSV name field carries for FreePBX (its caller ID name): letters kept, accents folded. */
const callerName = (s: string) => s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");

/** One extension's row, in EXTENSION_COLUMNS' order. */
function extensionRow(e: Extension): string[] {
    const name = callerName(e.name);
    return [
        e.number,
        name,
        `${e.sam} (${callerName(e.department)})`,
        "pjsip",
        placeholder(sipSecretName(e.number)),
        `${name} <${e.number}>`,
        TLS_TRANSPORT,
        // SRTP in the SDP where the phone supports it, plain RTP otherwise (opportunistic): SIP itself is always TLS.
        "sdes",
        "yes",
        "1",
        "default",
        "yes",
        placeholder(voicemailPinName(e.number)),
        e.voicemailEmail,
        "attach=yes|delete=no",
    ];
}

/** The Bulk Handler CSV of every extension (header first), for `fwconsole bulkimport --type=extensions`. */
export function renderExtensionsCsv(plan: TelephonyPlan): string {
    return csv([[...EXTENSION_COLUMNS], ...plan.extensions.map(extensionRow)]);
}

/** The ring groups' table: one per department, members joined by `-` as FreePBX stores them; no answer: reception. */
export function renderRingGroupsCsv(plan: TelephonyPlan): string {
    return csv([
        [...RING_GROUP_COLUMNS],
        ...plan.ringGroups.map((g) => [
            g.number,
            callerName(g.department),
            plan.ringStrategy,
            String(plan.ringSeconds),
            g.members.join("-"),
            `billu-reception,s,1`,
        ]),
    ]);
}

/**
 * The reception: an IVR in its own context, reached by its number from FreePBX's from-internal-custom (the hook
 * FreePBX includes in from-internal for local additions); keys 1-9 go to the department ring groups (FreePBX's
 * ext-group context), 0 and a timeout to the operator's, any other key repeats.
 */
export function renderDialplan(plan: TelephonyPlan): string {
    const r = plan.reception;
    const operator = r.operator ?? plan.ringGroups[0]?.number;
    const lines = [
        generatedHeader("#", { host: plan.host.name, what: "the reception IVR (billu:telephony.reception)." }).replace(/^#/, ";"),
        "",
        "[from-internal-custom]",
        `exten => ${r.number},1,Goto(billu-reception,s,1)`,
        "",
        "[billu-reception]",
        "exten => s,1,Answer()",
        " same => n,Set(TIMEOUT(digit)=3)",
        ` same => n,Set(TIMEOUT(response)=${r.timeoutSeconds})`,
        " same => n,Background(custom/billu-accueil)",
        " same => n,WaitExten()",
        ...plan.ringGroups.map((g) => `exten => ${g.key},1,Goto(ext-group,${g.number},1)`),
        ...(operator ? [`exten => 0,1,Goto(ext-group,${operator},1)`, `exten => t,1,Goto(ext-group,${operator},1)`] : ["exten => t,1,Hangup()"]),
        "exten => i,1,Playback(invalid)",
        " same => n,Goto(billu-reception,s,1)",
        "",
    ];
    return lines.join("\n");
}

/**
 * Apache: FreePBX's admin interface over TLS, answering the management zone only (a second layer behind the router
 * and the VM firewall), and the phones' provisioning folder on its own port for the phones' zones.
 */
export function renderAdminSite(plan: TelephonyPlan): string {
    return [
        generatedHeader("#", { host: plan.host.name, what: "FreePBX's admin interface, management zone only." }).trimEnd(),
        "<VirtualHost *:443>",
        `    ServerName ${plan.fqdn}`,
        "    DocumentRoot /var/www/html",
        "    SSLEngine on",
        `    SSLCertificateFile ${PBX_PATHS.cert}`,
        `    SSLCertificateKeyFile ${PBX_PATHS.key}`,
        "    <Location />",
        ...(plan.adminZones.length > 0 ? [`        Require ip ${plan.adminZones.map((z) => z.cidr).join(" ")}`] : ["        Require all denied"]),
        "    </Location>",
        "</VirtualHost>",
        "",
    ].join("\n");
}

export function renderProvisioningSite(plan: TelephonyPlan): string {
    return [
        generatedHeader("#", { host: plan.host.name, what: "phone provisioning over HTTPS, the phones' zones only." }).trimEnd(),
        `Listen ${plan.provisioningPort} https`,
        `<VirtualHost *:${plan.provisioningPort}>`,
        `    ServerName ${plan.fqdn}`,
        `    DocumentRoot ${PBX_PATHS.provisioningRoot}`,
        "    SSLEngine on",
        `    SSLCertificateFile ${PBX_PATHS.cert}`,
        `    SSLCertificateKeyFile ${PBX_PATHS.key}`,
        `    <Directory ${PBX_PATHS.provisioningRoot}>`,
        "        Options None",
        "        AllowOverride None",
        ...(plan.phoneZones.length > 0 ? [`        Require ip ${plan.phoneZones.map((z) => z.cidr).join(" ")}`] : ["        Require all denied"]),
        "    </Directory>",
        "</VirtualHost>",
        "",
    ].join("\n");
}

/** What the step and the applier read: shell assignments, values quoted. */
export function renderSettings(plan: TelephonyPlan): string {
    const q = (v: string | number) => `'${String(v).replace(/'/g, `'\\''`)}'`;
    return [
        generatedHeader("#", { host: plan.host.name, what: "the pbx step's settings." }).trimEnd(),
        `RTP_START=${q(plan.rtp.min)}`,
        `RTP_END=${q(plan.rtp.max)}`,
        `SIP_TLS_PORT=${q(plan.sipTlsPort)}`,
        `EXTENSION_COUNT=${q(plan.extensions.length)}`,
        `RING_GROUP_COUNT=${q(plan.ringGroups.length)}`,
        "",
    ].join("\n");
}

/** The step's files: the certificates first, then what reads them. */
export function pbxFiles(plan: TelephonyPlan): GuestFile[] {
    return [
        { path: PBX_PATHS.ca, content: placeholder(PBX_SECRETS.ca) },
        { path: PBX_PATHS.cert, content: placeholder(PBX_SECRETS.cert) },
        { path: PBX_PATHS.key, content: placeholder(PBX_SECRETS.key), mode: "0600" },
        // It carries every SIP secret and voicemail PIN (placeholders filled from the step's stdin): root's alone.
        { path: PBX_PATHS.extensions, content: renderExtensionsCsv(plan), mode: "0600" },
        { path: PBX_PATHS.ringGroups, content: renderRingGroupsCsv(plan) },
        { path: PBX_PATHS.settings, content: renderSettings(plan) },
        { path: PBX_PATHS.applier, content: applierScript() },
        { path: PBX_PATHS.dialplan, content: renderDialplan(plan) },
        { path: PBX_PATHS.adminSite, content: renderAdminSite(plan) },
        { path: PBX_PATHS.provisioningSite, content: renderProvisioningSite(plan) },
    ];
}

export function pbxDirs(): GuestDir[] {
    return [
        { path: PBX_PATHS.dir, mode: "0700", owner: "root:root" },
        { path: PBX_PATHS.provisioningRoot, mode: "0755", owner: "root:root" },
    ];
}

/** Every secret the step receives: the certificate's three, then each extension's SIP secret and voicemail PIN. */
export function pbxSecretNames(plan: TelephonyPlan): string[] {
    return [...Object.values(PBX_SECRETS), ...plan.extensions.flatMap((e) => [sipSecretName(e.number), voicemailPinName(e.number)])];
}

/** apply.php (scripts/telephony/apply.php), installed on the PBX. */
export function applierScript(): string {
    return readFileSync(repoPath("scripts", "telephony", "apply.php"), "utf8");
}

/** The body of the `pbx` step (scripts/telephony/pbx-step.sh), with the data it needs first. */
export function pbxStepScript(plan: TelephonyPlan): string {
    return stepScript("linux", "telephony/pbx-step.sh", {
        INSTALLER_URL: plan.installer.url,
        INSTALLER_SHA256: plan.installer.sha256 ?? "",
        EXTENSIONS_CSV: PBX_PATHS.extensions,
        RING_GROUPS_CSV: PBX_PATHS.ringGroups,
        SETTINGS: PBX_PATHS.settings,
        APPLIER: PBX_PATHS.applier,
        DIALPLAN: PBX_PATHS.dialplan,
        ADMIN_SITE: PBX_PATHS.adminSite,
        PROVISIONING_SITE: PBX_PATHS.provisioningSite,
    });
}

/** The docs sections: the PBX, and the extension directory per department. */
export function pbxDocs(plan: TelephonyPlan): Record<string, { columns: string[]; rows: (string | number)[][] }> {
    return {
        Telephony: {
            columns: ["what", "value"],
            rows: [
                ["PBX", `${plan.host.name} (${plan.fqdn}), ${plan.host.address}, FreePBX 17 on Asterisk`],
                ["extension rule", `the last ${plan.extensionDigits} digits of the desk number (HR Telephone fixe)`],
                ["SIP", `TLS on ${plan.sipTlsPort} (site CA certificate), SRTP offered (sdes, opportunistic)`],
                ["RTP", `udp/${plan.rtp.min}-${plan.rtp.max}`],
                ["provisioning", `https://${plan.fqdn}:${plan.provisioningPort}/ from ${plan.phoneZones.map((z) => z.name).join(", ")}`],
                ["admin", `https://${plan.fqdn}/ from ${plan.adminZones.map((z) => z.name).join(", ")} only`],
                [
                    "reception (IVR)",
                    `${plan.reception.number}: ${plan.ringGroups.map((g) => `${g.key} ${g.department}`).join(", ")}; 0 and no choice: ${plan.reception.operator ?? "-"}`,
                ],
                ["quarantined (leavers)", plan.quarantined.map((q) => `${q.number} (${q.sam})`).join(", ") || "-"],
                ["trunk", plan.trunk.enabled ? `to ${plan.trunk.provider}` : "not built (billu:telephony.trunk.enabled: false)"],
            ],
        },
        "Extension directory": {
            columns: ["department", "ring group", "extension", "name", "voicemail to"],
            rows: plan.ringGroups.flatMap((g) =>
                plan.extensions.filter((e) => e.department === g.department).map((e) => [g.department, g.number, e.number, e.name, e.voicemailEmail]),
            ),
        },
    };
}
