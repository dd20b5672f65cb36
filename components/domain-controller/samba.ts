/**
 * The `samba` flavor: Samba AD DC on Debian 12, rendered from the domain model as guest steps (files + an
 * idempotent POSIX-sh body). Passwords never sit on a command line: samba-tool reads the administrator's from
 * the `PASSWD` environment variable (its credentials code does), and where samba-tool only takes a password as
 * an argument (provision, user create) the shipped `billu-samba-tool` wrapper substitutes it inside the Python
 * process from the environment, so the kernel's command line keeps a placeholder. Pure: no Pulumi here.
 */
import { readFileSync } from "fs";
import { COMPUTER_CLASS, DomainController, DomainModel, FsmoRole } from "../../model/domain";
import { ONBOARDING_PATH, ONBOARDING_SHARE } from "../../model/directory-onboarding";
import { repoPath } from "../paths";
import { GuestFile, placeholder, StepSpec, stepScript } from "../guest-step/render";
import { namingContexts, renderDcBootstrapResolv, renderDcChrony, renderDcHosts, renderDcCloudHostsTemplate, renderDcResolv, SECRET } from "./common";
import { renderKrb5 } from "../base-server/member";
import { generatedHeader } from "../header";
import { ConditionalForwarder, sambaDnsForwarders } from "./samba-forwarders";

export const SAMBA_PATHS = {
    smbConf: "/etc/samba/smb.conf",
    samLdb: "/var/lib/samba/private/sam.ldb",
    tlsCa: "/etc/samba/tls/billu-ca.pem",
    tlsCert: "/etc/samba/tls/billu-dc.pem",
    tlsKey: "/etc/samba/tls/billu-dc.key",
    wrapper: "/usr/local/sbin/billu-samba-tool",
    /** The domain step's DNS helper: every zone and record in one process over one dnsserver RPC connection. */
    dnsHelper: "/usr/local/sbin/billu-samba-dns",
    /** The domain step's subnets and login groups helper: all of them in one process over one opening of sam.ldb. */
    objectsHelper: "/usr/local/sbin/billu-samba-objects",
    records: "/etc/billu/domain/records.tsv",
    extraRecords: "/etc/billu/domain/extra-records.tsv",
    objects: "/etc/billu/domain/objects.tsv",
    /** The DC's resolv.conf once its own DNS answers, and the one it uses before (the step copies one to /etc/resolv.conf). */
    resolv: "/etc/billu/dc/resolv.conf",
    resolvBootstrap: "/etc/billu/dc/resolv.bootstrap.conf",
} as const;

/** samba-tool's role names and `fsmo show` labels for each configured role (Samba adds the DNS partitions' masters). */
export const SAMBA_FSMO: Record<FsmoRole, { transfer: string; show: string }[]> = {
    schemaMaster: [{ transfer: "schema", show: "SchemaMasterRole" }],
    domainNamingMaster: [
        { transfer: "naming", show: "DomainNamingMasterRole" },
        { transfer: "forestdns", show: "ForestDnsZonesMasterRole" },
    ],
    pdcEmulator: [{ transfer: "pdc", show: "PdcEmulationMasterRole" }],
    ridMaster: [{ transfer: "rid", show: "RidAllocationMasterRole" }],
    infrastructureMaster: [
        { transfer: "infrastructure", show: "InfrastructureMasterRole" },
        { transfer: "domaindns", show: "DomainDnsZonesMasterRole" },
    ],
};

/** The wrapper that feeds samba-tool a password from the environment (see the module comment), shipped verbatim. */
export function sambaToolWrapper(): string {
    return readFileSync(repoPath("scripts", "dc", "billu-samba-tool.py"), "utf8");
}

/**
 * The domain step's DNS helper (scripts/dc/billu-samba-dns.py), shipped verbatim: it creates the missing zones and
 * reconciles the hosts' A and PTR records and the records services ask for over ONE dnsserver RPC connection, where
 * a `samba-tool dns` process per record (a Python start-up and an RPC bind each) made the step take minutes.
 */
export function sambaDnsHelper(): string {
    return readFileSync(repoPath("scripts", "dc", "billu-samba-dns.py"), "utf8");
}

/** The domain step's subnets and groups helper (scripts/dc/billu-samba-objects.py), shipped verbatim. */
export function sambaObjectsHelper(): string {
    return readFileSync(repoPath("scripts", "dc", "billu-samba-objects.py"), "utf8");
}

export function renderSmbConf(domain: DomainModel, dc: DomainController, conditional: readonly ConditionalForwarder[] = []): string {
    const forwarders = sambaDnsForwarders(domain, conditional);
    return [
        generatedHeader("#", { host: dc.name, what: `Samba AD DC of ${domain.fqdn} (${dc.first ? "created the forest" : "joined the forest"}).` }),
        "[global]",
        `    netbios name = ${dc.name.toUpperCase()}`,
        `    realm = ${domain.realm}`,
        `    workgroup = ${domain.netbiosName}`,
        "    server role = active directory domain controller",
        // cloud-init names the only NIC eth0; binding to it (and lo) keeps Samba off any other interface.
        "    interfaces = lo eth0",
        "    bind interfaces only = yes",
        ...(forwarders.length > 0 ? [`    dns forwarder = ${forwarders.join(" ")}`] : []),
        "    idmap_ldb:use rfc2307 = yes",
        "    ldap server require strong auth = yes",
        "    tls enabled = yes",
        `    tls keyfile = ${SAMBA_PATHS.tlsKey}`,
        `    tls certfile = ${SAMBA_PATHS.tlsCert}`,
        `    tls cafile = ${SAMBA_PATHS.tlsCa}`,
        "    ntp signd socket directory = /var/lib/samba/ntp_signd",
        "    template shell = /bin/bash",
        "    template homedir = /home/%U",
        // auth_audit 3: every authentication, failed (2) and successful (3), one "Auth:" line each in the DC's log
        // (source4/auth/auth_log.c's AUTH_FAILURE_LEVEL, AUTH_SUCCESS_LEVEL), so a partner's logon through the
        // forest trust is in the DC's log (docs/services/trust.md "where it is logged").
        "    log level = 1 auth_audit:3",
        "",
        "[sysvol]",
        "    path = /var/lib/samba/sysvol",
        "    read only = no",
        "",
        "[netlogon]",
        `    path = /var/lib/samba/sysvol/${domain.fqdn}/scripts`,
        "    read only = no",
        "",
        // The first DC runs the directory step, whose applier writes the onboarding sheets there (issue #24): hidden
        // (`$`, not browseable), read-only. Who reads is decided by the NT ACL the applier sets on the folder and each
        // sheet (the readers' group only, billu:directory.onboarding.readers), enforced by smbd's acl_xattr (the AD DC's
        // default VFS); the share grants nothing of its own. Not an include of a file the directory step writes: Samba's
        // Python tools refuse a smb.conf whose include is missing ("Unable to load file"), measured on 4.17.
        ...(dc.first ? renderOnboardingShare() : []),
    ].join("\n");
}

/** The onboarding share's section of the first DC's smb.conf (see renderSmbConf). */
export function renderOnboardingShare(): string[] {
    return [`[${ONBOARDING_SHARE}]`, `    path = ${ONBOARDING_PATH.samba}`, "    read only = yes", "    browseable = no", "    guest ok = no", ""];
}

/**
 * Step `dc` of a Samba DC: base files, provision (first DC) or join (the others), service, readiness. Name resolution
 * follows the DC's own DNS: until it answers (a first run, before `apt-get install samba`), /etc/resolv.conf holds
 * the bootstrap resolvers (`bootstrap`, model/guest-resolvers.ts); once it answers for the domain (a bounded wait), the
 * DC's own list (the other DCs, then itself).
 */
export function sambaDcStep(
    domain: DomainModel,
    dc: DomainController,
    bootstrap: readonly string[],
    conditional: readonly ConditionalForwarder[] = [],
): StepSpec {
    const first = domain.dcs[0];
    const files: GuestFile[] = [
        { path: "/etc/hostname", content: `${dc.label}\n` },
        { path: "/etc/hosts", content: renderDcHosts(dc) },
        { path: "/etc/cloud/templates/hosts.debian.tmpl", content: renderDcCloudHostsTemplate(dc) },
        // Proxmox's user-data names the host but does not set preserve_hostname, so this setting holds: cloud-init
        // leaves the DC's name (this step's /etc/hostname) alone at every boot.
        { path: "/etc/cloud/cloud.cfg.d/99-billu-hostname.cfg", content: "# billu-infra: the dc step owns /etc/hostname.\npreserve_hostname: true\n" },
        { path: SAMBA_PATHS.resolv, content: renderDcResolv(domain, dc) },
        { path: SAMBA_PATHS.resolvBootstrap, content: renderDcBootstrapResolv(domain, dc, bootstrap) },
        { path: "/etc/krb5.conf", content: renderKrb5(domain) },
        { path: SAMBA_PATHS.smbConf, content: renderSmbConf(domain, dc, conditional) },
        { path: SAMBA_PATHS.tlsCa, content: placeholder(SECRET.caCert) },
        { path: SAMBA_PATHS.tlsCert, content: placeholder(SECRET.ldapsCert) },
        // Samba refuses a TLS key readable by others.
        { path: SAMBA_PATHS.tlsKey, content: placeholder(SECRET.ldapsKey), mode: "0600" },
        { path: SAMBA_PATHS.wrapper, content: sambaToolWrapper(), mode: "0755" },
        { path: "/etc/chrony/chrony.conf", content: renderDcChrony(domain, dc) },
    ];
    const script = stepScript("linux", ["dc/samba-helpers.sh", "dc/samba-dc.sh"], {
        FIRST_DC: dc.first ? "1" : "0",
        DOMAIN_FQDN: domain.fqdn,
        AD_SITE: domain.adSite,
        REALM: domain.realm,
        NETBIOS_NAME: domain.netbiosName,
        DC_ADDRESS: dc.address,
        DC_FQDN: dc.fqdn,
        FIRST_NAME: first.name,
        FIRST_FQDN: first.fqdn,
        NAMING_CONTEXTS: namingContexts(domain).join(" "),
        RESOLV: SAMBA_PATHS.resolv,
        RESOLV_BOOTSTRAP: SAMBA_PATHS.resolvBootstrap,
        BOOTSTRAP_RESOLVERS: bootstrap.join(" "),
        OWN_RESOLVERS: [...domain.dcs.filter((d) => d.name !== dc.name).map((d) => d.address), "127.0.0.1"].join(" "),
    });
    return {
        files,
        script,
        secrets: [SECRET.admin, SECRET.ldapsCert, SECRET.ldapsKey, SECRET.caCert],
    };
}

/** Step `fsmo` on a DC that must hold roles: transfers each one it does not hold yet, from whoever holds it. */
export function sambaFsmoStep(_domain: DomainModel, dc: DomainController): StepSpec {
    const parts = dc.roles.flatMap((r) => SAMBA_FSMO[r]);
    const script = stepScript("linux", ["dc/samba-helpers.sh", "dc/samba-fsmo.sh"], {
        DC_LABEL: dc.label,
        DC_NAME: dc.name,
        DC_FQDN: dc.fqdn,
        FSMO_PARTS: parts.map((p) => `${p.show}:${p.transfer}`).join(" "),
    });
    return { files: [], script, secrets: [SECRET.admin] };
}

// The computer class's schemaIDGUID lives in the model (the client role's OU delegation uses it too).
export { COMPUTER_CLASS };

/** The records every host of the model gets: `name address reverse-zone ptr-name a|-`, tab-separated. */
export function renderRecordsTsv(domain: DomainModel): string {
    return domain.records.map((r) => [r.name, r.address, r.reverseZone, r.ptrName, r.a ? "a" : "-"].join("\t") + "\n").join("");
}

/**
 * The records services ask for (model.domain.extraRecords: the web server's names, the mail domain's MX):
 * `zone name type value preference`, tab-separated (`-` for an A record's preference).
 */
export function renderExtraRecordsTsv(domain: DomainModel): string {
    return domain.extraRecords.map((r) => [r.zone, r.name, r.type, r.value, r.preference ?? "-"].join("\t") + "\n").join("");
}

/** The directory objects the domain step ensures: `kind name [detail]`, tab-separated. */
export function renderObjectsTsv(domain: DomainModel): string {
    const rows: string[][] = [["site", domain.adSite], ...domain.subnets.map((s) => ["subnet", s.cidr, domain.adSite])];
    if (domain.linuxLogin) rows.push(["group", domain.linuxLogin.sshGroup], ["group", domain.linuxLogin.sudoGroup]);
    // The join account may create computer objects in CN=Computers and manage the ones below it, nothing else
    // (adcli needs more than the default machine-account quota gives: it sets SPNs, encryption types, keys).
    if (domain.members.length > 0) rows.push(["user", domain.joinAccount], ["delegate", domain.joinAccount, `CN=Computers,${domain.dn}`]);
    return rows.map((r) => r.join("\t") + "\n").join("");
}

/**
 * Step `domain` on the first DC, after every DC and FSMO role is in place: reverse zones, A and PTR records of
 * every host, the zones and records services ask for (model.domain.extraRecords), AD subnets of the site, the Linux
 * login groups and the join account. The zones and records go through the shipped `billu-samba-dns` (one process,
 * one RPC connection), the subnets and groups through `billu-samba-objects` (one process); the site, the join
 * account and its delegation are looked up with ldbsearch and samba-tool runs only for what is missing.
 */
export function sambaDomainStep(domain: DomainModel, dc: DomainController): StepSpec {
    const script = stepScript("linux", ["dc/samba-helpers.sh", "dc/samba-domain.sh"], {
        DOMAIN_FQDN: domain.fqdn,
        DOMAIN_DN: domain.dn,
        DC_FQDN: dc.fqdn,
        REVERSE_ZONES: domain.reverseZones.join(" "),
        EXTRA_ZONES: domain.extraZones.join(" "),
        HAS_EXTRA_RECORDS: domain.extraRecords.length > 0 ? "1" : "0",
        COMPUTER_CLASS,
    });
    return {
        files: [
            { path: SAMBA_PATHS.dnsHelper, content: sambaDnsHelper(), mode: "0755" },
            { path: SAMBA_PATHS.objectsHelper, content: sambaObjectsHelper(), mode: "0755" },
            { path: SAMBA_PATHS.records, content: renderRecordsTsv(domain) },
            ...(domain.extraRecords.length > 0 ? [{ path: SAMBA_PATHS.extraRecords, content: renderExtraRecordsTsv(domain) }] : []),
            { path: SAMBA_PATHS.objects, content: renderObjectsTsv(domain) },
        ],
        script,
        secrets: domain.members.length > 0 ? [SECRET.admin, SECRET.join] : [SECRET.admin],
    };
}
