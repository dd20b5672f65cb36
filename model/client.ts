/**
 * Client workstations (issue #23): hosts of role `client`, Debian desktops joined to the domain as winbind members
 * (or Windows 11 Pro workstations joined by Add-Computer: `flavor: "windows"`),
 * on which a domain user logs on (NSS and PAM through winbind, a home folder made at first logon) and from which the
 * acceptance run proves what a user sees (their groups, their home and department shares, the GPOs linked to the
 * computer's OU). Pure: no Pulumi, no I/O.
 */
import { WINDOWS_CLIENT_OS } from "./core";
import { escapeRdn, OU_NAMES } from "./directory";
import type { DomainModel } from "./domain";
import type { Problems } from "./errors";

/**
 * The id mapping every winbind member of the site uses (the file server's Samba and the clients): the domain's
 * accounts by RID (uid = gid = `domain.low` + RID, the same number on every member, so file owners agree), and a
 * small tdb range for the well-known SIDs (BUILTIN\...) that are not the domain's. These are billu:fileserver.idmap's
 * defaults; a site with a file server gives its clients the file server's own ranges (model/services/client.ts).
 * https://wiki.samba.org/index.php/Idmap_config_rid
 */
export const WINBIND_IDMAP: ClientIdmap = {
    other: { low: 3000, high: 7999 },
    domain: { low: 10000, high: 999999 },
};

/** A client's winbind ranges: the well-known SIDs' (tdb) and the domain's (rid). */
export interface ClientIdmap {
    readonly other: { readonly low: number; readonly high: number };
    readonly domain: { readonly low: number; readonly high: number };
}

/** What the client plan reads of a host (a subset of HostModel). */
export interface ClientHostInput {
    readonly name: string;
    readonly role: string;
    readonly os: string;
    readonly zone: string;
    readonly address: string;
    readonly joinDomain: boolean;
    readonly index: number;
}

export interface ClientHost {
    readonly name: string;
    /**
     * `debian` (os debian-12: a winbind member, step `client-join` in bash) or `windows` (os windows-11-pro: Add-Computer
     * into `ou`, then a reboot, then `client-rsop`: gpupdate and the computer's RSoP).
     */
    readonly flavor: "debian" | "windows";
    /** `par-cli01.billu.remindme.lan`. */
    readonly fqdn: string;
    readonly zone: string;
    readonly address: string;
    /**
     * Where its computer account lives: its department's computers OU of the directory plan
     * (`OU=DSI,OU=Ordinateurs,OU=BillU,<domain DN>`), or the domain's Computers container on a site without a directory.
     */
    readonly ou: string;
    /**
     * `net ads join createcomputer=`'s form of `ou`: the OU names from the top down, `/`-separated, each escaped as an
     * RDN value (`BillU/Ordinateurs/DSI`); undefined for the Computers container (net's default).
     * https://www.samba.org/samba/docs/current/man-html/net.8.html (ADS JOIN)
     */
    readonly createComputer?: string;
}

export interface ClientPlan {
    readonly clients: readonly ClientHost[];
    /** The domain's NetBIOS name (smb.conf's `workgroup`, the idmap domain). */
    readonly workgroup: string;
    readonly realm: string;
    readonly idmap: ClientIdmap;
    /**
     * The OUs (DNs) in which the join account may create and delete computer objects, one each: the clients' OUs of
     * the directory plan (the Computers container's delegation is the domain step's, for every member).
     */
    readonly delegatedOus: readonly string[];
    /** Where a user's home folder is made at first logon (`template homedir`; %D the domain, %U the user). */
    readonly homeTemplate: string;
    readonly shell: string;
    /** The person's home folder on the file server, mounted at logon; absent when the site's file server has no home share. */
    readonly homeMount?: ClientHomeMount;
}

/**
 * The home share at logon (pam_mount): the person's own folder of the file server's home share
 * (billu:fileserver.homeShare, one folder per account, its owner's only) mounted over CIFS as their home, with their
 * own Kerberos ticket (`sec=krb5`, `cruid` = their uid: the kernel's cifs.upcall reads that user's credential cache,
 * the one pam_winbind's `krb5_auth` wrote at logon). No password is stored or passed.
 * https://pam-mount.sourceforge.net/pam_mount.conf.5.html, mount.cifs(8)
 */
export interface ClientHomeMount {
    /** The file server's FQDN (`par-fs01.billu.remindme.lan`): the name its Kerberos service ticket is for. */
    readonly server: string;
    /** The home share (`home$`). */
    readonly share: string;
    /** Where it is mounted: the person's home (`/home/%(USER)`, smb.conf's `template homedir` in pam_mount's syntax). */
    readonly mountPoint: string;
    /** Only the domain's accounts (uids of the idmap's domain range) mount it: a local account (root) never does. */
    readonly uids: { readonly low: number; readonly high: number };
    /** mount.cifs options: Kerberos with the person's ticket, SMB 3.1.1 encrypted (the file server's `smb encrypt = desired`). */
    readonly options: readonly string[];
}

/** The role name of client workstations in billu:hosts. */
export const CLIENT_ROLE = "client";

/** The OS templates a client may be cloned from: the Debian desktop and the Windows 11 Pro workstation. */
export const CLIENT_OSES: readonly string[] = ["debian-12", WINDOWS_CLIENT_OS];

/**
 * Pure: the site's clients, or undefined when it has none. A client is a Debian desktop or a Windows 11 Pro workstation,
 * joined to the domain (`joinDomain: true`), in a department zone (where staff sit).
 */
export function planClients(
    input: {
        readonly hosts: readonly ClientHostInput[];
        readonly zones: readonly { readonly name: string; readonly kind: string; readonly department?: string }[];
        readonly domain?: DomainModel;
        /** The directory plan's OUs (parents first), when the site has a directory: a client joins its department's computers OU. */
        readonly directoryOus?: readonly { readonly key: string; readonly name: string; readonly dn: string }[];
        /** The site's file server's ranges (billu:fileserver.idmap), so a user's uid is the same on both; default WINBIND_IDMAP. */
        readonly idmap?: ClientIdmap;
        /** The site's file server's home share, when it has one (billu:fileserver.homeShare): mounted at logon. */
        readonly homes?: { readonly server: string; readonly share: string };
    },
    problems: Problems,
): ClientPlan | undefined {
    const hosts = input.hosts.filter((h) => h.role === CLIENT_ROLE);
    if (hosts.length === 0) return undefined;
    let sound = true;
    for (const h of hosts) {
        const p = `billu:hosts[${h.index}]`;
        if (!input.domain) {
            problems.add(
                `${p}.role`,
                `"client" on a site with no AD domain (${h.name} would have nothing to join)`,
                "remove the client host, or give the site a DC (role dc)",
            );
            sound = false;
        }
        if (!CLIENT_OSES.includes(h.os)) {
            problems.add(
                `${p}.os`,
                `"${h.os}" on client ${h.name}: a client is a Debian desktop or a Windows 11 workstation, not a server`,
                `set os: debian-12 or os: ${WINDOWS_CLIENT_OS}`,
            );
            sound = false;
        }
        if (!h.joinDomain) {
            problems.add(`${p}.joinDomain`, `is not true on client ${h.name}: a client is a domain workstation`, "set joinDomain: true");
            sound = false;
        }
        const zone = input.zones.find((z) => z.name === h.zone);
        if (zone && zone.kind !== "department") {
            problems.add(
                `${p}.zone`,
                `"${h.zone}" (a ${zone.kind} zone) for client ${h.name}: workstations sit with the staff`,
                "put the client in a department zone",
            );
            sound = false;
        }
    }
    if (!sound || !input.domain) return undefined;
    const domain = input.domain;
    // The join account (billu:domain.joinAccount) is the domain step's only when a Debian member joins: a Windows
    // client alone would find none to join with.
    const lone = hosts.find((h) => h.os === WINDOWS_CLIENT_OS);
    if (lone && domain.members.length === 0) {
        problems.add(
            `billu:hosts[${lone.index}].os`,
            `"${lone.os}" on client ${lone.name}: a Windows client joins with billu:domain.joinAccount, which the domain creates only when a Debian host joins (joinDomain: true)`,
            "add a Debian client or member with joinDomain: true to the site (a Windows-only site's join account is not built yet)",
        );
        return undefined;
    }
    const placed = hosts.map((h) => ({ h, place: placeOf(h, input.zones.find((z) => z.name === h.zone)?.department, domain, input.directoryOus, problems) }));
    if (placed.some((p) => p.place === undefined)) return undefined;
    const clients = placed.map(({ h, place }) => ({
        name: h.name,
        flavor: h.os === WINDOWS_CLIENT_OS ? ("windows" as const) : ("debian" as const),
        fqdn: `${h.name.toLowerCase()}.${domain.fqdn}`,
        zone: h.zone,
        address: h.address,
        ou: place!.ou,
        ...(place!.createComputer !== undefined ? { createComputer: place!.createComputer } : {}),
    }));
    const idmap = input.idmap ?? WINBIND_IDMAP;
    const homeTemplate = "/home/%U";
    return {
        clients,
        workgroup: domain.netbiosName,
        realm: domain.realm,
        idmap,
        delegatedOus: [...new Set(clients.filter((c) => c.createComputer !== undefined).map((c) => c.ou))],
        homeTemplate,
        shell: "/bin/bash",
        ...(input.homes
            ? {
                  homeMount: {
                      server: input.homes.server,
                      share: input.homes.share,
                      // The same home as winbind's template (pam_mount's %(USER) for smb.conf's %U): mkhomedir then finds
                      // it made and leaves the person's files on the server alone.
                      mountPoint: homeTemplate.replace("%U", "%(USER)"),
                      uids: idmap.domain,
                      options: ["sec=krb5", "cruid=%(USERUID)", "vers=3.1.1", "seal", "nosuid", "nodev", "file_mode=0600", "dir_mode=0700"],
                  },
              }
            : {}),
    };
}

/**
 * Pure: a client's OU. With a directory, its zone's department's computers OU (`OU=<department>,OU=Ordinateurs,
 * OU=<company>`), where the directory's GPOs for that department reach it; without one, the Computers container.
 */
function placeOf(
    h: ClientHostInput,
    department: string | undefined,
    domain: DomainModel,
    ous: readonly { readonly key: string; readonly name: string; readonly dn: string }[] | undefined,
    problems: Problems,
): { readonly ou: string; readonly createComputer?: string } | undefined {
    if (!ous) return { ou: `CN=Computers,${domain.dn}` };
    const root = ous.find((o) => o.key === "root");
    const computers = ous.find((o) => o.key === "computers");
    if (!root || !computers) throw new Error("internal: the directory plan has no root or computers OU");
    const dn = department !== undefined ? `OU=${escapeRdn(department)},${computers.dn}` : undefined;
    const ou = dn !== undefined ? ous.find((o) => o.dn === dn) : undefined;
    if (!ou) {
        problems.add(
            `billu:hosts[${h.index}].zone`,
            `"${h.zone}" for client ${h.name}: its department ${department === undefined ? "is not set" : `"${department}" has no computers OU in the directory plan (nobody of the HR export works there)`}`,
            "put the client in the zone of a department of the HR export",
        );
        return undefined;
    }
    const names = [root.name, OU_NAMES.computers, ou.name];
    // net splits the path at each "/" and takes every part as an RDN value: a "/" inside a name cannot be said.
    const slash = names.find((n) => n.includes("/"));
    if (slash !== undefined) {
        problems.add(
            `billu:hosts[${h.index}].zone`,
            `"${h.zone}" for client ${h.name}: the OU name "${slash}" holds a "/", which net ads join's createcomputer= path cannot carry`,
            'rename the department (or company) without a "/" in the HR export',
        );
        return undefined;
    }
    return { ou: ou.dn, createComputer: names.map(escapeRdn).join("/") };
}
