/**
 * The AD forest trust with the partner's forest (`billu:trust`): one half on each site, each created and validated
 * by a step on its own first DC. Pure: the schema (its `.describe()` text and defaults are the configuration
 * reference), the checks (through Problems, naming the key path), and the derived `TrustPlan` the renderers, the
 * component, the flows and the docs read.
 *
 * Who decides what (the VPN's pattern, model/vpn.ts): exactly one side is the trust's *owner*
 * (`billu:trust.owner`): its stack generates the trust password (@pulumi/random) and exports it as a secret output;
 * the other side reads it through the StackReference of `billu:vpn.peerStack` (the trust crosses the tunnel, so its
 * partner is the tunnel's). Each side creates its own half (`samba-tool domain trust create --create-location=local`,
 * `New-ADTrust`-less Windows: `netdom trust /add` is not per-side, so Windows uses the .NET Forest API's
 * `CreateLocalSideOfTrustRelationship`), so neither side needs the other's administrator password.
 *
 * Direction, as samba-tool and Windows name it, seen from this domain: `outgoing` (this domain trusts the
 * partner: the partner's users can be granted access here), `incoming` (the partner trusts this domain: this
 * domain's users reach the partner's resources), `both`. The two sides must write mirror directions.
 *
 * Least privilege for the partner: a domain-local group per purpose (`grants`), whose one member is the partner's
 * admin group; a grant names the hosts and the catalogue service it opens, and the flow from the tunnel to those
 * hosts is required from it (and refused by the policy pack without it).
 */
import { z } from "zod";
import type { DomainModel } from "./domain";
import { dnsNameViolation } from "./domain";
import { Problems, show } from "./errors";
import { SHARE_NAME } from "./fileserver";

/** The catalogue service (model/ports.ts) of DC-to-DC traffic a trust needs across the tunnel. */
export const AD_TRUST_SERVICE = "ad-trust";

const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be an AD group name without spaces (letters, digits, . _ -)");

export const trustOwnerSchema = z
    .object({
        passwordLength: z
            .number()
            .int()
            .min(32)
            .max(128)
            .default(64)
            .describe("Length of the generated trust password (random alphanumeric characters; Windows takes up to 128). @default 64"),
    })
    .strict();

export const trustGrantSchema = z
    .object({
        group: groupName.describe("The domain-local group of this domain that holds the grant (`DL-ECO-Projets-Lecture`)."),
        purpose: z.string().min(1).describe("What the grant is for, in one line (the docs' remote-access table shows it)."),
        service: z.string().min(1).describe("The catalogue service it opens from the tunnel (`smb`, `ssh`)."),
        hosts: z.array(z.string().min(1)).min(1).describe("The hosts of billu:hosts it opens that service on."),
        share: z
            .object({
                name: z
                    .string()
                    .regex(SHARE_NAME, "must be lower-case kebab-case, at most 63 characters")
                    .describe("The share name (`\\\\PAR-FS01\\<name>`) and its folder under the file server's mount point."),
                access: z
                    .enum(["read", "write"])
                    .default("read")
                    .describe(
                        "`read` (the share is read-only for the grant's group, its folder ACL read and execute; the domain admins write) or `write` " +
                            "(the group modifies: rwx, NTFS Modify). @default read",
                    ),
            })
            .strict()
            .optional()
            .describe(
                "An `smb` grant on a file server (role fileserver): the share its hosts serve to the grant's group and its folder, whose ACL " +
                    "gives that group the access and no other account of the partner anything (linux: billu-shares, the partner's domain mapped " +
                    "by winbind in billu:fileserver.idmap.partner; windows: shares.ps1). Default: none (the grant opens the flow only).",
            ),
    })
    .strict();

export const trustSchema = z
    .object({
        partner: z
            .object({
                domain: z.string().min(1).describe("The partner forest's root DNS domain (`ecotech-solutions.lan`)."),
                netbios: z
                    .string()
                    .regex(/^[A-Z][A-Z0-9-]{0,14}$/, "must be a NetBIOS domain name: 1 to 15 uppercase letters, digits or dashes, starting with a letter")
                    .describe("The partner domain's NetBIOS name (`ECOTECH`)."),
                adminGroup: groupName.describe("The partner's group of IT admins (`ECO-IT-Admins`): the one partner group this domain's grants admit."),
            })
            .strict()
            .describe("The partner forest."),
        direction: z
            .enum(["both", "incoming", "outgoing"])
            .default("both")
            .describe(
                "Seen from this domain: `outgoing` (this domain trusts the partner's), `incoming` (the partner's trusts this one), `both`. " +
                    "The partner's stack writes the mirror. @default both",
            ),
        selectiveAuthentication: z
            .boolean()
            .default(true)
            .describe(
                "Selective authentication (the trust's cross-organisation attribute): partner users authenticate only to computers that " +
                    "grant them `Allowed to authenticate`. Windows enforces it; a Samba 4.17 DC ignores a trust carrying it, so a Samba side must set false (docs/services/trust.md). @default true",
            ),
        sidFiltering: z
            .boolean()
            .default(true)
            .describe("SID filtering (quarantine): SIDs from outside the partner's forest, SID history included, are dropped at this domain. @default true"),
        owner: trustOwnerSchema
            .optional()
            .describe("Present at exactly one side (BillU's): its stack generates the trust password; the other side reads it from that stack."),
        grants: z
            .array(trustGrantSchema)
            .default([])
            .describe("What the partner's admin group may reach here, one domain-local group per purpose. @default none"),
        localGroups: z
            .array(
                z
                    .object({
                        name: groupName.describe("The group's name in this domain (`ECO-IT-Admins`)."),
                        description: z.string().min(1).describe("Who is in it and why the partner names it."),
                    })
                    .strict(),
            )
            .optional()
            .describe(
                "The groups of this domain that the partner's stack names (its billu:trust.partner.adminGroup), on a site with no HR " +
                    "export (a partner site): the partner's model checks its config against them. Declared, not built: this domain's " +
                    "admins create them and their members. Default: none (the partner's adminGroup is not checked).",
            ),
    })
    .strict()
    .describe("The AD forest trust with the partner's forest (over the site-to-site tunnel of billu:vpn).");

export type TrustConfig = z.output<typeof trustSchema>;
export type TrustDirection = TrustConfig["direction"];

/** A grant, resolved against the site's hosts. */
export interface TrustGrant {
    readonly group: string;
    readonly purpose: string;
    readonly service: string;
    readonly hosts: readonly { readonly name: string; readonly zone: string; readonly address: string }[];
    /** The group's one member: the partner's admin group, `NETBIOS\group`. */
    readonly member: string;
    /** The share the grant's file servers serve to the group (an smb grant); absent: the grant opens the flow only. */
    readonly share?: { readonly name: string; readonly readOnly: boolean };
}

/** A flow the trust needs in billu:flows (the requirement's fields). */
export interface TrustFlow {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly hosts?: readonly string[];
    readonly why: string;
}

export interface TrustPlan {
    /** This domain's half. */
    readonly local: { readonly domain: string; readonly netbios: string; readonly realm: string; readonly flavor: "samba" | "windows" };
    readonly partner: { readonly domain: string; readonly netbios: string; readonly realm: string; readonly adminGroup: string };
    readonly direction: TrustDirection;
    /** This domain trusts the partner's: the partner's users can be granted access here. */
    readonly outgoing: boolean;
    /** The partner's domain trusts this one: this domain's users reach the partner's resources. */
    readonly incoming: boolean;
    readonly selectiveAuthentication: boolean;
    readonly sidFiltering: boolean;
    /** The stack the other half is in (billu:vpn.peerStack): where a non-owner reads the password. */
    readonly peerStack: string;
    readonly isOwner: boolean;
    /** The owner's generated password length; undefined at the side that reads it. */
    readonly passwordLength?: number;
    /** The DC whose step creates and validates this half. */
    readonly dc: { readonly name: string; readonly fqdn: string; readonly address: string };
    readonly grants: readonly TrustGrant[];
    readonly flows: readonly TrustFlow[];
}

export interface TrustInput {
    readonly site: { readonly domain: string };
    readonly cfg: TrustConfig | undefined;
    /** The site's domain (billu:domain); undefined on a site without DCs. */
    readonly domain?: Pick<DomainModel, "fqdn" | "realm" | "netbiosName" | "flavor" | "dcs">;
    /** This site's end of the tunnel; undefined without billu:vpn. */
    readonly vpn?: { readonly peerStack: string; readonly tunnel: string };
    readonly hosts: readonly { readonly name: string; readonly zone: string; readonly address: string; readonly role: string }[];
    /** The names of the port catalogue (built-in and billu:firewall.services). */
    readonly services: readonly string[];
    /** The groups the partner's stack declares (its billu:trust.localGroups); undefined: not known here, not checked. */
    readonly partnerDirectory?: PeerDirectory;
}

/** What the partner's committed stack file declares of its domain's groups (its billu:trust.localGroups). */
export interface PeerDirectory {
    /** The stack file, as the messages name it (`Pulumi.ecotech.yaml`). */
    readonly file: string;
    readonly groups: readonly string[];
}

/** The samba-tool / Windows direction of the partner's half, given this half's. */
export function mirrorDirection(d: TrustDirection): TrustDirection {
    return d === "both" ? "both" : d === "incoming" ? "outgoing" : "incoming";
}

/** Plans `billu:trust`; undefined when absent or when a problem was added. */
export function planTrust(input: TrustInput, problems: Problems): TrustPlan | undefined {
    const { cfg } = input;
    if (!cfg) return undefined;
    const before = problems.count;
    if (!input.domain) {
        problems.add(
            "billu:trust",
            "is set on a site without a domain (no billu:domain or no host of role dc)",
            "add the site's DCs and billu:domain, or remove billu:trust",
        );
    }
    if (!input.vpn) {
        problems.add(
            "billu:trust",
            "needs the site-to-site tunnel to the partner, but billu:vpn is missing",
            "configure billu:vpn with the partner's stack: the trust's traffic and its password's stack come from it",
        );
    }
    const bad = dnsNameViolation(cfg.partner.domain);
    if (bad)
        problems.add(
            "billu:trust.partner.domain",
            `${show(cfg.partner.domain)} ${bad}`,
            "write the partner forest's root DNS domain, e.g. ecotech-solutions.lan",
        );
    const partnerDomain = cfg.partner.domain.toLowerCase();
    const own = (input.domain?.fqdn ?? input.site.domain).toLowerCase();
    if (partnerDomain === own || partnerDomain.endsWith(`.${own}`) || own.endsWith(`.${partnerDomain}`)) {
        problems.add(
            "billu:trust.partner.domain",
            `${show(cfg.partner.domain)} is this site's own domain ${own}, or inside it, or contains it`,
            "a forest trust joins two distinct forests: name the partner's root domain",
        );
    }
    if (input.domain && cfg.partner.netbios === input.domain.netbiosName) {
        problems.add(
            "billu:trust.partner.netbios",
            `${show(cfg.partner.netbios)} is this domain's own NetBIOS name`,
            "write the partner domain's NetBIOS name",
        );
    }
    // Samba 4.17 does not refuse the attribute, it ignores the whole trust: winbindd skips a CROSS_ORGANIZATION TDO
    // ("Ignoring CROSS_ORGANIZATION trust", so validation answers WERR_NO_SUCH_DOMAIN) and the KDC has no cross-realm
    // krbtgt for it (source3/winbindd/winbindd_util.c, source4/kdc/db-glue.c: "We don't support selective
    // authentication yet"). Seen in labs/trust: the same pair validates and issues referrals without it.
    if (input.domain?.flavor === "samba" && cfg.selectiveAuthentication) {
        problems.add(
            "billu:trust.selectiveAuthentication",
            "is true on a Samba domain: Samba 4.17's winbindd and KDC ignore a trust with the cross-organisation attribute (no validation, no Kerberos across)",
            "set billu:trust.selectiveAuthentication: false on this side; the partner's admins stay limited by the grants' domain-local groups, the resources' ACLs and the flows",
        );
    }
    // The partner's admin group must be one its stack declares (names compare case-insensitively, as AD does).
    const pd = input.partnerDirectory;
    if (pd && !pd.groups.some((g) => g.toLowerCase() === cfg.partner.adminGroup.toLowerCase())) {
        problems.add(
            "billu:trust.partner.adminGroup",
            `${show(cfg.partner.adminGroup)} is not a group of the partner's domain: ${pd.file} declares ${pd.groups.length ? pd.groups.map(show).join(", ") : "none"} (billu:trust.localGroups)`,
            `name one of them, or declare the group in ${pd.file}'s billu:trust.localGroups`,
        );
    }
    (cfg.localGroups ?? []).forEach((g, i) => {
        const first = (cfg.localGroups ?? []).findIndex((x) => x.name.toLowerCase() === g.name.toLowerCase());
        if (first < i)
            problems.add(`billu:trust.localGroups[${i}].name`, `${show(g.name)} is also billu:trust.localGroups[${first}].name`, "declare each group once");
    });
    const outgoing = cfg.direction !== "incoming";
    const seen = new Map<string, number>();
    const grants: TrustGrant[] = [];
    cfg.grants.forEach((g, i) => {
        const p = `billu:trust.grants[${i}]`;
        const first = seen.get(g.group.toLowerCase());
        if (first !== undefined) {
            problems.add(`${p}.group`, `${show(g.group)} is also billu:trust.grants[${first}].group`, "use one domain-local group per purpose");
        } else seen.set(g.group.toLowerCase(), i);
        if (!input.services.includes(g.service)) {
            problems.add(
                `${p}.service`,
                `${show(g.service)} is not a service of the port catalogue`,
                "name a catalogue service (model/ports.ts or billu:firewall.services), e.g. smb or ssh",
            );
        }
        if (g.share && g.service !== "smb") {
            problems.add(`${p}.share`, `is set but the grant's service is ${show(g.service)}: a share is served over smb`, "set service: smb, or remove share");
        }
        const hosts: { name: string; zone: string; address: string }[] = [];
        g.hosts.forEach((name, j) => {
            const h = input.hosts.find((x) => x.name === name);
            if (!h) {
                problems.add(`${p}.hosts[${j}]`, `${show(name)} is not a host of billu:hosts`, "name a host of billu:hosts");
            } else if (g.share && h.role !== "fileserver") {
                problems.add(
                    `${p}.hosts[${j}]`,
                    `${show(name)} has role ${h.role}, but the grant's share (${show(g.share.name)}) is served by a file server`,
                    "name a host of role fileserver, or remove share and configure that host's share yourself",
                );
            } else if (h.role === "firewall" || h.role === "dc") {
                problems.add(
                    `${p}.hosts[${j}]`,
                    `${show(name)} is a ${h.role === "dc" ? "domain controller" : "firewall"}`,
                    "grant the partner's admins a member server (a jump host, a file server), never a DC or the gateway",
                );
            } else hosts.push({ name: h.name, zone: h.zone, address: h.address });
        });
        if (!outgoing) {
            problems.add(
                `${p}`,
                "grants the partner's admins access here, but billu:trust.direction is incoming (the partner's users cannot authenticate here)",
                "set direction: both or outgoing, or remove the grant",
            );
        }
        grants.push({
            group: g.group,
            purpose: g.purpose,
            service: g.service,
            hosts,
            member: `${cfg.partner.netbios}\\${cfg.partner.adminGroup}`,
            ...(g.share ? { share: { name: g.share.name, readOnly: g.share.access === "read" } } : {}),
        });
    });
    if (problems.count > before || !input.domain || !input.vpn) return undefined;
    const first = input.domain.dcs.find((d) => d.first) ?? input.domain.dcs[0];
    const dcNames = input.domain.dcs.map((d) => d.name);
    const flows: TrustFlow[] = [
        // The partner's DCs reach this domain's (CLDAP locator, LSA and netlogon to validate, Kerberos referrals)...
        {
            from: "vpn-partner",
            to: zoneOf(input, first.name),
            service: AD_TRUST_SERVICE,
            hosts: dcNames,
            why: "the partner's DCs and admins reach this domain's DCs through the trust",
        },
        // ...and this domain's DCs reach the partner's (each half is validated from its own side).
        ...dcNames.map((dc) => ({
            from: dc,
            to: "vpn-partner",
            service: AD_TRUST_SERVICE,
            why: "this domain's DCs reach the partner's DCs through the trust",
        })),
        ...grants.flatMap((g) =>
            [...new Set(g.hosts.map((h) => h.zone))].map((zone) => ({
                from: "vpn-partner",
                to: zone,
                service: g.service,
                hosts: g.hosts.filter((h) => h.zone === zone).map((h) => h.name),
                why: `the partner's admins (${cfg.partner.adminGroup}): ${g.purpose} (grant ${g.group})`,
            })),
        ),
    ];
    return {
        local: { domain: input.domain.fqdn, netbios: input.domain.netbiosName, realm: input.domain.realm, flavor: input.domain.flavor },
        partner: { domain: partnerDomain, netbios: cfg.partner.netbios, realm: partnerDomain.toUpperCase(), adminGroup: cfg.partner.adminGroup },
        direction: cfg.direction,
        outgoing,
        incoming: cfg.direction !== "outgoing",
        selectiveAuthentication: cfg.selectiveAuthentication,
        sidFiltering: cfg.sidFiltering,
        peerStack: input.vpn.peerStack,
        isOwner: !!cfg.owner,
        ...(cfg.owner ? { passwordLength: cfg.owner.passwordLength } : {}),
        dc: { name: first.name, fqdn: first.fqdn, address: first.address },
        grants,
        flows,
    };
}

function zoneOf(input: TrustInput, host: string): string {
    return input.hosts.find((h) => h.name === host)?.zone ?? "servers";
}

/**
 * The `samba-tool domain trust create` arguments of this half (after the partner's domain). `--create-location=local`:
 * each side creates its own half with the shared password, which samba-tool 4.17 reads only from getpass (no option
 * sets it): the step runs it without a controlling terminal (`setsid`), where Python's getpass reads stdin.
 * `--cross-organisation` is the selective-authentication attribute; `--quarantined=yes` is SID filtering.
 */
export function sambaTrustCreateArgs(plan: TrustPlan): string[] {
    return [
        "--type=forest",
        `--direction=${plan.direction}`,
        "--create-location=local",
        ...(plan.selectiveAuthentication ? ["--cross-organisation"] : []),
        `--quarantined=${plan.sidFiltering ? "yes" : "no"}`,
        "--skip-validation",
    ];
}
