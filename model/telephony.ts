/**
 * Telephony (`billu:telephony`, issue #26): FreePBX 17 on Asterisk on the host of role `pbx` (`PAR-PBX01`, Debian 12).
 * Pure: the schema (its `.describe()` text and defaults are the configuration reference), the checks (through
 * Problems, naming the key path or the HR line), and the derived `TelephonyPlan` the renderers
 * (components/telephony/render.ts), the component and the docs read.
 *
 * The extension rule: a person's extension is the last `extensionDigits` digits (default 4) of their desk number
 * (`Telephone fixe` in the HR export), so the extension and the direct line agree. Everyone with a desk number gets
 * exactly one; two people whose numbers end alike are an error naming both HR lines (the export is corrected, or
 * the site takes more digits). People without a desk number get no extension.
 *
 * Leavers: the directory lock keeps the last six digits of each person's desk number (`deskDigits`). A leaver's extension is quarantined:
 * nobody else gets it while it is, and an export that gives it to someone is an error naming the line and the
 * leaver, never a silent reassignment. It is released only by listing it in `releasedExtensions` (the quarantine's
 * end is a reviewed change, not a date the program guesses).
 *
 * Ring groups: one per department with at least one extension, its members the department's extensions (a move
 * changes ring groups only: the extension follows the desk number, not the department). The reception (an IVR)
 * answers on its own number: key 1..n reaches the department ring groups in order, 0 and a timeout the operator's.
 * Service numbers have the extensions' length, so no number is a prefix of another (Asterisk would wait for more
 * digits).
 *
 * Voicemail goes to the person's mailbox: the mail plan's address when the site runs mail, else the directory's.
 */
import { z } from "zod";
import type { HostView, ZoneModel } from "./core";
import { Problems, show } from "./errors";
import type { Catalogue, PortRange } from "./ports";
import { portOf, portsText } from "./ports";

export const SIP_TLS_SERVICE = "sip-tls";
export const RTP_SERVICE = "rtp";
export const PROVISIONING_SERVICE = "pbx-provisioning";
export const ADMIN_SERVICE = "https";

/**
 * FreePBX 17's official installer for Debian 12 (github.com/FreePBX/sng_freepbx_debian_install), pinned to a commit
 * (its SCRIPTVER 1.15). The SHA-256 is of that commit's sng_freepbx_debian_install.sh (git blob d3c3f4a6).
 */
export const FREEPBX_INSTALLER = {
    version: "1.15",
    commit: "b023b8426786a518d25dfc0d11ba0c0314fcd927",
    sha256: "afef5e4b480cf545b2035f92068dc2fdd32452989d170a16a84acb6e37b7d564",
} as const;
export const installerUrl = (commit: string) => `https://raw.githubusercontent.com/FreePBX/sng_freepbx_debian_install/${commit}/sng_freepbx_debian_install.sh`;

const TP = "billu:telephony";
const number = z.string().regex(/^[0-9]{3,6}$/, "must be 3 to 6 digits");

export const telephonySchema = z
    .object({
        host: z
            .string()
            .min(1)
            .optional()
            .describe("The PBX: a host of billu:hosts with role pbx (host code PBX, `PAR-PBX01`, Debian 12). @default the site's only host of role pbx"),
        extensionDigits: z
            .number()
            .int()
            .min(3)
            .max(6)
            .default(4)
            .describe(
                "An extension is the last N digits of the person's desk number (HR `Telephone fixe`); two people whose numbers end alike are an error. @default 4",
            ),
        releasedExtensions: z
            .array(number)
            .default([])
            .describe(
                "Leavers' extensions whose quarantine is over: they may be given to someone else. Each must be a leaver's. @default [] (every leaver's number stays reserved)",
            ),
        reception: z
            .object({
                number: number
                    .optional()
                    .describe(
                        "The reception IVR's number; the department ring groups take the numbers right after it. @default 8 followed by zeros, at the extensions' length",
                    ),
                operatorDepartment: z
                    .string()
                    .min(1)
                    .optional()
                    .describe("The department whose ring group answers 0 and a caller who chooses nothing. @default the first ring group's"),
                timeoutSeconds: z.number().int().min(1).max(60).default(7).describe("How long the IVR waits for a choice. @default 7"),
            })
            .strict()
            .default({})
            .describe("The reception: an IVR whose keys reach the department ring groups."),
        ringGroups: z
            .object({
                strategy: z.enum(["ringall", "hunt", "memoryhunt"]).default("ringall").describe("FreePBX's ring strategy. @default ringall"),
                ringSeconds: z
                    .number()
                    .int()
                    .min(5)
                    .max(300)
                    .default(20)
                    .describe("How long the group rings before voicemail of its first member. @default 20"),
            })
            .strict()
            .default({})
            .describe("The department ring groups."),
        rtpPorts: z
            .object({
                min: z.number().int().min(1024).max(65535).default(10000).describe("Asterisk rtpstart. @default 10000"),
                max: z.number().int().min(1024).max(65535).default(20000).describe("Asterisk rtpend. @default 20000"),
            })
            .strict()
            .default({})
            .describe("The RTP media range: inside the catalogue's rtp (udp/10000-20000), which the flows open. @default 10000-20000"),
        trunk: z
            .object({
                enabled: z.boolean().default(false).describe("Whether the trunk to the operator is built (its flows are then required). @default false"),
                provider: z.string().min(1).default("operator").describe("The operator's name, for the docs. @default operator"),
            })
            .strict()
            .default({})
            .describe("The SIP trunk to the operator: a modelled placeholder, off by default (SIP over TLS and RTP from the PBX to the WAN)."),
        installer: z
            .object({
                commit: z
                    .string()
                    .regex(/^[0-9a-f]{40}$/, "must be a 40-digit git commit")
                    .default(FREEPBX_INSTALLER.commit)
                    .describe(
                        `The commit of FreePBX's sng_freepbx_debian_install whose installer is run. @default ${FREEPBX_INSTALLER.commit} (SCRIPTVER ${FREEPBX_INSTALLER.version})`,
                    ),
                sha256: z
                    .string()
                    .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits")
                    .optional()
                    .describe(
                        "SHA-256 of that installer: the step refuses to run any other file. Required in prod. @default none (the step then installs nothing)",
                    ),
            })
            .strict()
            .default({})
            .describe("FreePBX 17's official installer for Debian 12, pinned and checksum-verified."),
    })
    .strict()
    .describe("Telephony: FreePBX 17 on the host of role pbx, extensions from the HR export");

export type TelephonyConfig = z.output<typeof telephonySchema>;

/** A person of the directory plan, as the telephony plan reads it. */
export interface TelephonyPerson {
    readonly sam: string;
    readonly displayName: string;
    readonly department: string;
    /** `<hr source>:<line>` for messages. */
    readonly where: string;
    /** Telephone fixe as the export gives it (may be empty). */
    readonly phone: string;
    readonly mail: string;
}

/** A leaver of the directory lock with the desk number they last had. */
export interface TelephonyLeaver {
    readonly sam: string;
    readonly name: string;
    /** The desk number's last digits as the lock keeps them (`deskDigits`, six). */
    readonly phone: string;
}

export interface Extension {
    readonly number: string;
    readonly sam: string;
    readonly name: string;
    readonly department: string;
    readonly deskNumber: string;
    /** Where voicemail is sent. */
    readonly voicemailEmail: string;
}

export interface RingGroup {
    readonly number: string;
    readonly department: string;
    readonly members: readonly string[];
    /** The IVR key that reaches it. */
    readonly key: string;
}

export interface TelephonyRequiredFlow {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly why: string;
}

export interface TelephonyPlan {
    readonly host: { readonly name: string; readonly zone: string; readonly address: string };
    readonly fqdn: string;
    readonly certificate: { readonly commonName: string; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    readonly extensionDigits: number;
    /** Sorted by number. */
    readonly extensions: readonly Extension[];
    /** Leavers' extensions kept reserved, sorted by number. */
    readonly quarantined: readonly { readonly number: string; readonly sam: string; readonly name: string }[];
    readonly ringGroups: readonly RingGroup[];
    readonly ringStrategy: string;
    readonly ringSeconds: number;
    /** The IVR: its number, the ring group that takes 0 and a timeout (absent when nobody has an extension yet). */
    readonly reception: { readonly number: string; readonly operator?: string; readonly timeoutSeconds: number };
    readonly sipTlsPort: number;
    readonly provisioningPort: number;
    readonly rtp: { readonly min: number; readonly max: number };
    /** The zones whose phones register (every department zone), with their subnets. */
    readonly phoneZones: readonly { readonly name: string; readonly cidr: string }[];
    /** The zones the admin interface answers (management). */
    readonly adminZones: readonly { readonly name: string; readonly cidr: string }[];
    readonly trunk: { readonly enabled: boolean; readonly provider: string };
    readonly installer: { readonly url: string; readonly commit: string; readonly sha256?: string };
    readonly flows: readonly TelephonyRequiredFlow[];
}

export interface TelephonyInput {
    readonly cfg: TelephonyConfig | undefined;
    readonly environment: "dev" | "prod";
    readonly hosts: readonly HostView[];
    readonly zones: readonly ZoneModel[];
    readonly domain?: { readonly fqdn: string };
    /** The directory plan's people in the export (enabled), and the lock's leavers; absent on a site without a directory. */
    readonly people?: readonly TelephonyPerson[];
    readonly leavers?: readonly TelephonyLeaver[];
    /** Mailbox addresses by account name (the mail plan's accounts), when the site runs mail. */
    readonly mailboxes?: ReadonlyMap<string, string>;
    readonly catalogue?: Catalogue;
}

/** The extension a desk number gives: its last `digits` digits; undefined when it has fewer. */
export function extensionOf(deskNumber: string, digits: number): string | undefined {
    const d = deskNumber.replace(/[^0-9]/g, "");
    return d.length >= digits ? d.slice(-digits) : undefined;
}

/** The smallest number of trailing digits (from `from` to 6) that makes these desk numbers' extensions unique. */
function uniqueDigits(numbers: readonly string[], from: number): number | undefined {
    for (let n = from; n <= 6; n++) {
        const ext = numbers.map((x) => extensionOf(x, n));
        if (ext.every((e) => e !== undefined) && new Set(ext).size === ext.length) return n;
    }
    return undefined;
}

const overlap = (a: PortRange, b: PortRange) => a.proto === b.proto && a.from <= b.to && b.from <= a.to;

/**
 * Checks `billu:telephony` against the hosts, zones, the directory plan, the lock's leavers and the port catalogue,
 * and derives the plan. Returns undefined when the site has no PBX and no `billu:telephony`, or on a problem.
 */
export function planTelephony(input: TelephonyInput, problems: Problems): TelephonyPlan | undefined {
    const { hosts, zones } = input;
    const before = problems.count;
    const servers = hosts.filter((h) => h.role === "pbx");
    if (!input.cfg && servers.length === 0) return undefined;
    const cfg = input.cfg ?? telephonySchema.parse({});

    // The PBX host.
    let host: HostView | undefined;
    if (cfg.host !== undefined) {
        host = hosts.find((h) => h.name === cfg.host);
        if (!host) {
            problems.add(
                `${TP}.host`,
                `${show(cfg.host)} is not a host of billu:hosts`,
                "add the PBX to billu:hosts (role: pbx, os: debian-12, e.g. PAR-PBX01) and name it here",
            );
        } else if (host.role !== "pbx") {
            problems.add(`${TP}.host`, `${show(cfg.host)} has role ${host.role}, not pbx`, "give the PBX its own host of role pbx (e.g. PAR-PBX01)");
            host = undefined;
        }
    } else if (servers.length === 0) {
        problems.add(
            "billu:hosts",
            "has no host of role pbx, but billu:telephony is set",
            "add the PBX to billu:hosts (role: pbx, os: debian-12, e.g. PAR-PBX01), or remove billu:telephony",
        );
    } else if (servers.length > 1) {
        problems.add(
            "billu:hosts",
            `has ${servers.length} hosts of role pbx (${servers.map((h) => h.name).join(", ")}) and billu:telephony.host names none`,
            "set billu:telephony.host to the one that serves, or declare a single host of role pbx",
        );
    } else {
        host = servers[0];
    }
    if (host && host.os !== "debian-12") {
        problems.add(`billu:hosts[${host.index}].os`, `${show(host.os)} cannot run FreePBX 17's installer`, `use os: debian-12 for the PBX ${host.name}`);
    }
    if (!input.domain)
        problems.add(
            TP,
            "is set, but the site has no AD domain: the PBX's name and certificate are in it",
            "declare the domain (billu:domain and its DCs), or remove billu:telephony",
        );
    // Without a directory plan nobody has an extension yet: a site read without its HR export (the VPN partner's stack
    // reads this one's model so). The PBX is still planned: its host, flows and listeners are the site's.

    // The installer: pinned, and its checksum a reviewed value in prod.
    if (cfg.installer.sha256 === undefined && input.environment === "prod") {
        problems.add(
            `${TP}.installer.sha256`,
            "is missing: prod runs only an installer whose checksum was reviewed",
            `download ${installerUrl(cfg.installer.commit)}, check it, and set its SHA-256 (sha256sum) here` +
                (cfg.installer.commit === FREEPBX_INSTALLER.commit ? ` (${FREEPBX_INSTALLER.sha256} for the default commit)` : ""),
        );
    }

    // RTP: ordered, inside the catalogue's rtp, clear of every other service.
    const { min, max } = cfg.rtpPorts;
    if (min > max) {
        problems.add(
            `${TP}.rtpPorts`,
            `min ${min} is above max ${max}`,
            "give the first port of the range as min and the last as max (e.g. min: 10000, max: 20000)",
        );
    } else if (input.catalogue) {
        const range: PortRange = { proto: "udp", from: min, to: max };
        const rtp = input.catalogue.get(RTP_SERVICE);
        const catchAll = (s: { ports: readonly PortRange[] }) => s.ports.some((p) => p.from === 1 && p.to === 65535);
        const clash = [...input.catalogue.services.values()].find(
            (s) => !s.bundle && !catchAll(s) && s.name !== RTP_SERVICE && s.ports.some((p) => overlap(p, range)),
        );
        if (clash) {
            problems.add(
                `${TP}.rtpPorts`,
                `udp/${min}-${max} overlaps the service ${clash.name} (${portsText(clash.ports)})`,
                `choose a range inside ${RTP_SERVICE} (${rtp ? portsText(rtp.ports) : "model/ports.ts"})`,
            );
        } else if (rtp && !rtp.ports.some((p) => p.proto === "udp" && p.from <= min && max <= p.to)) {
            problems.add(
                `${TP}.rtpPorts`,
                `udp/${min}-${max} is not inside ${RTP_SERVICE} (${portsText(rtp.ports)}), the range the router and the VM firewall open`,
                `choose a range inside ${portsText(rtp.ports)}`,
            );
        }
    }

    const departmentZones = zones.filter((z) => z.kind === "department" && z.department);
    const managementZones = zones.filter((z) => z.kind === "management");
    if (departmentZones.length === 0)
        problems.add("billu:network.zones", "has no department zone: no phone could reach the PBX", "declare the department zones, or remove billu:telephony");
    if (managementZones.length === 0)
        problems.add("billu:network.zones", "has no management zone: the PBX's admin interface answers it alone", "declare the management zone");

    // Extensions: the rule, uniqueness (naming both HR lines), the quarantine of leavers' numbers.
    const digits = cfg.extensionDigits;
    const people = (input.people ?? []).filter((p) => p.phone.trim() !== "");
    const released = new Set(cfg.releasedExtensions);
    const quarantine = new Map<string, TelephonyLeaver>();
    for (const l of input.leavers ?? []) {
        const n = extensionOf(l.phone, digits);
        if (n !== undefined && !released.has(n) && !quarantine.has(n)) quarantine.set(n, l);
    }
    const leaverNumbers = new Set((input.leavers ?? []).map((l) => extensionOf(l.phone, digits)).filter((n): n is string => n !== undefined));
    cfg.releasedExtensions.forEach((n, i) => {
        if (!leaverNumbers.has(n))
            problems.add(
                `${TP}.releasedExtensions[${i}]`,
                `${show(n)} is not the extension of anyone who left`,
                "remove it: only a leaver's quarantined number is released",
            );
    });
    const taken = new Map<string, TelephonyPerson>();
    const extensions: Extension[] = [];
    for (const p of people) {
        const n = extensionOf(p.phone, digits);
        if (n === undefined) {
            problems.add(
                p.where,
                `Telephone fixe ${show(p.phone)} has fewer than ${digits} digits: no extension can be derived (${TP}.extensionDigits)`,
                "correct the desk number in the export (the full number, e.g. 01 78 41 91 73)",
            );
            continue;
        }
        const other = taken.get(n);
        if (other) {
            const better = uniqueDigits(
                people.map((x) => x.phone),
                digits + 1,
            );
            problems.add(
                p.where,
                `Telephone fixe ${show(p.phone)} (${p.displayName}) gives extension ${n}, already the extension of ${other.where} (${other.displayName}, ${show(other.phone)})`,
                `correct one of the two desk numbers in the export${better ? `, or set ${TP}.extensionDigits: ${better} (the last ${better} digits are unique in this export)` : ""}`,
            );
            continue;
        }
        const leaver = quarantine.get(n);
        if (leaver) {
            problems.add(
                p.where,
                `Telephone fixe ${show(p.phone)} (${p.displayName}) gives extension ${n}, quarantined since ${leaver.name} (${leaver.sam}) left: a leaver's number is never reassigned silently`,
                `give ${p.displayName} another desk number, or release ${n} once its quarantine is over (append it to ${TP}.releasedExtensions)`,
            );
            continue;
        }
        taken.set(n, p);
        extensions.push({
            number: n,
            sam: p.sam,
            name: p.displayName,
            department: p.department,
            deskNumber: p.phone,
            voicemailEmail: input.mailboxes?.get(p.sam) ?? p.mail,
        });
    }
    extensions.sort((a, b) => (a.number < b.number ? -1 : 1));

    // Ring groups per department (zone order), the reception's number before them.
    const departments = [...new Set(departmentZones.map((z) => z.department!))].filter((d) => extensions.some((e) => e.department === d));
    if (departments.length > 9)
        problems.add(
            TP,
            `has ${departments.length} department ring groups, more than the IVR's keys 1-9`,
            "merge departments' zones, or reach the others by extension",
        );
    const receptionNumber = cfg.reception.number ?? "8".padEnd(digits, "0");
    if (receptionNumber.length !== digits) {
        problems.add(
            `${TP}.reception.number`,
            `${show(receptionNumber)} has ${receptionNumber.length} digits, the extensions ${digits}`,
            `give it ${digits} digits: a shorter number is a prefix of extensions (Asterisk would wait for more digits)`,
        );
    }
    const serviceNumbers = [receptionNumber, ...departments.map((_, i) => String(Number(receptionNumber) + i + 1).padStart(receptionNumber.length, "0"))];
    serviceNumbers.forEach((n, i) => {
        const what = i === 0 ? "the reception" : `the ring group of ${departments[i - 1]}`;
        const person = taken.get(n);
        const leaver = quarantine.get(n);
        if (n.length !== receptionNumber.length) {
            problems.add(
                `${TP}.reception.number`,
                `${what} would be ${n}, past ${receptionNumber.length} digits`,
                "choose a reception number with room for the ring groups after it",
            );
        } else if (person || leaver) {
            problems.add(
                `${TP}.reception.number`,
                `${what} would be ${n}, which is ${person ? `the extension of ${person.where} (${person.displayName})` : `quarantined for ${leaver!.name} (${leaver!.sam})`}`,
                `choose a reception number followed by ${departments.length} free numbers`,
            );
        }
    });
    const operator = cfg.reception.operatorDepartment ?? departments[0];
    if (cfg.reception.operatorDepartment !== undefined && !departments.includes(cfg.reception.operatorDepartment)) {
        problems.add(
            `${TP}.reception.operatorDepartment`,
            `${show(cfg.reception.operatorDepartment)} has no ring group`,
            `use one of ${departments.join(", ")}`,
        );
    }

    if (problems.count > before || !host || !input.domain) return undefined;
    const pbx = host;
    const fqdn = `${pbx.name.toLowerCase()}.${input.domain.fqdn.toLowerCase()}`;
    const ringGroups: RingGroup[] = departments.map((d, i) => ({
        number: serviceNumbers[i + 1],
        department: d,
        key: String(i + 1),
        members: extensions.filter((e) => e.department === d).map((e) => e.number),
    }));
    const phoneZones = departmentZones.map((z) => ({ name: z.name, cidr: z.cidr.text }));
    const adminZones = managementZones.map((z) => ({ name: z.name, cidr: z.cidr.text }));
    const flows: TelephonyRequiredFlow[] = [
        ...phoneZones.flatMap((z) => [
            { from: z.name, to: pbx.name, service: SIP_TLS_SERVICE, why: `phones of ${z.name} register and call over SIP/TLS` },
            { from: z.name, to: pbx.name, service: RTP_SERVICE, why: `phones of ${z.name} send their media to the PBX` },
            { from: pbx.name, to: z.name, service: RTP_SERVICE, why: `the PBX sends media to the phones of ${z.name}` },
            { from: z.name, to: pbx.name, service: PROVISIONING_SERVICE, why: `phones of ${z.name} fetch their configuration over HTTPS` },
        ]),
        ...adminZones.map((z) => ({ from: z.name, to: pbx.name, service: ADMIN_SERVICE, why: "FreePBX's admin interface, from the management zone only" })),
        ...(cfg.trunk.enabled
            ? [
                  { from: pbx.name, to: "kind:wan", service: SIP_TLS_SERVICE, why: `the SIP trunk to ${cfg.trunk.provider}` },
                  { from: pbx.name, to: "kind:wan", service: RTP_SERVICE, why: `media to ${cfg.trunk.provider}` },
              ]
            : []),
    ];
    return {
        host: { name: pbx.name, zone: pbx.zone, address: pbx.address },
        fqdn,
        certificate: { commonName: fqdn, dnsNames: [fqdn], ipAddresses: [pbx.address] },
        extensionDigits: digits,
        extensions,
        quarantined: [...quarantine.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([number, l]) => ({ number, sam: l.sam, name: l.name })),
        ringGroups,
        ringStrategy: cfg.ringGroups.strategy,
        ringSeconds: cfg.ringGroups.ringSeconds,
        reception: {
            number: receptionNumber,
            operator: ringGroups.find((g) => g.department === operator)?.number,
            timeoutSeconds: cfg.reception.timeoutSeconds,
        },
        sipTlsPort: portOf(SIP_TLS_SERVICE),
        provisioningPort: portOf(PROVISIONING_SERVICE),
        rtp: { min, max },
        phoneZones,
        adminZones,
        trunk: { ...cfg.trunk },
        installer: {
            url: installerUrl(cfg.installer.commit),
            commit: cfg.installer.commit,
            ...(cfg.installer.sha256 ? { sha256: cfg.installer.sha256.toLowerCase() } : {}),
        },
        flows,
    };
}

/**
 * Each person's extension by account name, as the directory writes it into AD's `ipPhone` (issue #26): phones and
 * address books then agree. Undefined without a telephony plan, so a site without a PBX leaves `ipPhone` alone.
 */
export function ipPhonesOf(plan: TelephonyPlan | undefined): ReadonlyMap<string, string> | undefined {
    return plan && new Map(plan.extensions.map((e) => [e.sam, e.number]));
}
