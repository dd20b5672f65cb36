/**
 * The `windows` flavor: Windows Server 2022 AD DS (GUI or Core, reached over OpenSSH), rendered from the domain
 * model as PowerShell guest-step bodies. Every step is guarded so a second run on a healthy DC changes nothing;
 * passwords come from the step's stdin (`Get-BilluSecret`) into SecureStrings, never into an argument.
 *
 * Promotion cannot finish inside one SSH session (it needs a reboot), so it is split: `dc` promotes with
 * `-NoRebootOnCompletion` and schedules a detached reboot (printing REBOOT_MARK), the component waits for the
 * reboot from outside (SSH port down, then up; bounded), and `ready` waits, bounded, for real readiness: the AD
 * web services answering and `Get-ADDomain` succeeding. The steps' logic is in scripts/dc/windows-*.ps1, read verbatim;
 * this module renders only their data (names, addresses, tables of records). Pure: no Pulumi here.
 */
import { DomainController, DomainModel, FSMO_ROLES, FsmoRole } from "../../model/domain";
import { SECRET } from "./common";
import { renderExtraRecordsTsv, renderRecordsTsv } from "./samba";
import { StepSpec, stepScript } from "../guest-step/render";

/** What the `dc` step prints when it scheduled a reboot (the component's reboot wait reads it). */
export const REBOOT_MARK = "BILLU-REBOOT-SCHEDULED";

/** Seconds between the promotion step's end and the reboot: the SSH session must close cleanly first. */
export const REBOOT_DELAY_SECONDS = 15;

/** The AD module's names of the roles. */
const PS_ROLE: Record<FsmoRole, string> = {
    schemaMaster: "SchemaMaster",
    domainNamingMaster: "DomainNamingMaster",
    pdcEmulator: "PDCEmulator",
    ridMaster: "RIDMaster",
    infrastructureMaster: "InfrastructureMaster",
};

/** A table for a step's data: one row a line (CRLF, like the rest of run.ps1), fields tab-separated. */
function table(rows: readonly (readonly (string | number)[])[]): string {
    return rows.map((r) => r.join("\t")).join("\r\n");
}

/** A tab-separated file's text (one row a line) as a step's data table. */
function tsvTable(tsv: string): string {
    return table(
        tsv
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => l.split("\t")),
    );
}

/** The DNS client of a DC's NIC: the other DCs first (a joining DC must find the forest), then itself. */
function dnsServers(domain: DomainModel, dc: DomainController): string {
    return [...domain.dcs.filter((d) => d.name !== dc.name).map((d) => d.address), "127.0.0.1"].join(" ");
}

/** Step `dc`: install AD DS and DNS, then create the forest (first DC) or join it, with no reboot inside. */
export function windowsDcStep(domain: DomainModel, dc: DomainController): StepSpec {
    const script = stepScript("windows", ["dc/windows-dns-client.ps1", "dc/windows-dc.ps1"], {
        FIRST_DC: dc.first ? "1" : "0",
        DOMAIN_FQDN: domain.fqdn,
        NETBIOS_NAME: domain.netbiosName,
        AD_SITE: domain.adSite,
        FIRST_FQDN: domain.dcs[0].fqdn,
        DNS_SERVERS: dnsServers(domain, dc),
        REBOOT_DELAY_SECONDS: String(REBOOT_DELAY_SECONDS),
        REBOOT_MARK,
    });
    return { files: [], script, secrets: [SECRET.admin, SECRET.dsrm] };
}

/** Step `ready`: bounded wait for AD DS, then LDAPS, DNS forwarders, the DNS client, time and (first DC) the site name. */
export function windowsReadyStep(domain: DomainModel, dc: DomainController): StepSpec {
    const isPdc = dc.name === domain.pdcEmulator.name;
    const script = stepScript("windows", ["dc/windows-dns-client.ps1", "dc/windows-ldaps-cert.ps1", "dc/windows-ready.ps1"], {
        DC_NAME: dc.name,
        DOMAIN_FQDN: domain.fqdn,
        DNS_SERVERS: dnsServers(domain, dc),
        FORWARDERS: domain.forwarders.join(" "),
        IS_PDC: isPdc ? "1" : "0",
        NTP_PEERS: isPdc ? domain.ntpServers.map((s) => `${s},0x8`).join(" ") : "",
        PDC_NAME: domain.pdcEmulator.name,
        FIRST_DC: dc.first ? "1" : "0",
        AD_SITE: domain.adSite,
    });
    return { files: [], script, secrets: [SECRET.ldapsCert, SECRET.ldapsKey] };
}

/** Step `fsmo`: moves to this DC each role the config gives it and it does not hold yet. */
export function windowsFsmoStep(_domain: DomainModel, dc: DomainController): StepSpec {
    const script = stepScript("windows", "dc/windows-fsmo.ps1", {
        DC_NAME: dc.name,
        DC_FQDN: dc.fqdn,
        ROLES: dc.roles.map((r) => PS_ROLE[r]).join(" "),
    });
    return { files: [], script, secrets: [] };
}

/**
 * Step `domain` on the first DC: reverse zones, A/PTR records, the zones and records services ask for
 * (model.domain.extraRecords), conditional forwarders, subnets, groups, join account.
 */
export function windowsDomainStep(
    domain: DomainModel,
    forwarders: readonly { readonly domain: string; readonly servers: readonly string[] }[] = domain.conditionalForwarders,
): StepSpec {
    const script = stepScript("windows", "dc/windows-domain.ps1", {
        DOMAIN_FQDN: domain.fqdn,
        DOMAIN_DN: domain.dn,
        NETBIOS_NAME: domain.netbiosName,
        AD_SITE: domain.adSite,
        SUBNETS: table(domain.subnets.map((s) => [s.cidr, s.reverseZone])),
        // The same tables the Samba flavor's domain step reads from files.
        HOST_RECORDS: tsvTable(renderRecordsTsv(domain)),
        EXTRA_ZONES: domain.extraZones.join(" "),
        EXTRA_RECORDS: tsvTable(renderExtraRecordsTsv(domain)),
        FORWARD_ZONES: table(forwarders.map((f) => [f.domain, f.servers.join(",")])),
        LINUX_GROUPS: domain.linuxLogin ? [domain.linuxLogin.sshGroup, domain.linuxLogin.sudoGroup].join(" ") : "",
        JOIN_ACCOUNT: domain.members.length > 0 ? domain.joinAccount : "",
    });
    return { files: [], script, secrets: domain.members.length > 0 ? [SECRET.join] : [] };
}

/** Every FSMO role's PowerShell name (tests and docs). */
export const WINDOWS_FSMO_ROLES = FSMO_ROLES.map((r) => PS_ROLE[r]);
