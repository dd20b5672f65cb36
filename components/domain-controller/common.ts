/**
 * Pure renderers both flavors and the Debian members share: Kerberos, name resolution and time, all from the
 * domain model. No Pulumi here.
 */
import { DomainController, DomainModel } from "../../model/domain";
import { SiteModel } from "../../model/site";
import { generatedHeader } from "../header";

/** Names of the secrets the domain steps receive on stdin (never in a file or on a command line). */
export const SECRET = {
    /** The domain Administrator's password (Samba: also what provision sets; Windows: the forest's Administrator). */
    admin: "admin-password",
    /** Windows Directory Services Restore Mode password. */
    dsrm: "dsrm-password",
    /** The password of the account Debian members join with. */
    join: "join-password",
    /** LDAPS: the DC's certificate and key from the site CA, and the CA certificate. */
    ldapsCert: "ldaps-cert",
    ldapsKey: "ldaps-key",
    caCert: "site-ca-cert",
} as const;

/** The domain of a model that has one (components are only built for such sites). */
export function domainOf(model: SiteModel): DomainModel {
    if (!model.domain) throw new Error("the site has no billu:domain");
    return model.domain;
}

export function dcByName(domain: DomainModel, name: string): DomainController {
    const dc = domain.dcs.find((d) => d.name === name);
    if (!dc) throw new Error(`${name} is not a DC of the domain`);
    return dc;
}

/**
 * Conditional forwarders the DCs serve: `billu:domain.conditionalForwarders` plus the one the site-to-site VPN
 * pairing asks for (the partner's domain to the partner's resolvers, `model.vpn`), first entry per domain wins.
 */
export function conditionalForwarders(model: SiteModel): { readonly domain: string; readonly servers: readonly string[] }[] {
    const all = [...domainOf(model).conditionalForwarders, ...(model.vpn?.conditionalForwarders ?? [])];
    return all.filter((f, i) => all.findIndex((g) => g.domain.toLowerCase() === f.domain.toLowerCase()) === i);
}

/** The naming contexts a DC replicates (domain, configuration, schema, and the two DNS application partitions). */
export function namingContexts(domain: DomainModel): string[] {
    return [
        domain.dn,
        `CN=Configuration,${domain.dn}`,
        `CN=Schema,CN=Configuration,${domain.dn}`,
        `DC=DomainDnsZones,${domain.dn}`,
        `DC=ForestDnsZones,${domain.dn}`,
    ];
}

/**
 * /etc/krb5.conf: the realm and its KDCs (every DC). `dns_lookup_kdc` stays on so a new DC is found without a
 * redeploy; `rdns = false` because PTR lookups must not decide service names.
 */
export function renderKrb5(domain: DomainModel): string {
    return [
        generatedHeader("#", { what: "Kerberos realm of the AD domain." }),
        "[libdefaults]",
        `    default_realm = ${domain.realm}`,
        "    dns_lookup_realm = false",
        "    dns_lookup_kdc = true",
        "    rdns = false",
        "",
        "[realms]",
        `    ${domain.realm} = {`,
        ...domain.dcs.map((d) => `        kdc = ${d.fqdn}`),
        `        admin_server = ${domain.pdcEmulator.fqdn}`,
        "    }",
        "",
        "[domain_realm]",
        `    .${domain.fqdn} = ${domain.realm}`,
        `    ${domain.fqdn} = ${domain.realm}`,
        "",
    ].join("\n");
}

/** A DC's /etc/hosts: its own FQDN on its own address (Samba and AD DS both require it). */
export function renderDcHosts(dc: DomainController): string {
    return [generatedHeader("#", { host: dc.name }), "127.0.0.1 localhost", `${dc.address} ${dc.fqdn} ${dc.label}`, ""].join("\n");
}

/**
 * cloud-init's template for /etc/hosts, holding the same lines: Proxmox's cloud-init user-data sets
 * `manage_etc_hosts: true`, so cloud-init rewrites /etc/hosts from this template at every boot. Its stock template
 * maps the host's FQDN to 127.0.1.1, and Samba, bound to its interfaces only, would then stop answering its own name.
 * (User-data outranks /etc/cloud/cloud.cfg.d, so the template, not a setting, is what holds.)
 * https://cloudinit.readthedocs.io/en/latest/reference/modules.html#update-etc-hosts
 */
export function renderDcCloudHostsTemplate(dc: DomainController): string {
    return ["## template:jinja", renderDcHosts(dc)].join("\n");
}

/**
 * A DC's resolver: the other DCs first (a joining DC must find the forest before its own DNS runs), then itself.
 * The first DC has only itself: it is the domain's DNS.
 */
export function renderDcResolv(domain: DomainModel, dc: DomainController): string {
    const others = domain.dcs.filter((d) => d.name !== dc.name).map((d) => d.address);
    return [generatedHeader("#", { host: dc.name }), `search ${domain.fqdn}`, ...[...others, "127.0.0.1"].map((a) => `nameserver ${a}`), ""].join("\n");
}

/**
 * A DC's resolver before its own DNS answers: its bootstrap resolvers (model/guest-resolvers.ts: the DCs before it,
 * then the upstream servers, as the flow matrix allows), the same list cloud-init gives the VM. Never itself: on a
 * first run Samba is not installed yet, and `apt-get install samba` must resolve the mirror.
 */
export function renderDcBootstrapResolv(domain: DomainModel, dc: DomainController, bootstrap: readonly string[]): string {
    return [
        `# Generated by billu-infra for ${dc.name}: bootstrap resolvers, until this DC's own DNS answers.`,
        `search ${domain.fqdn}`,
        ...bootstrap.map((a) => `nameserver ${a}`),
        "",
    ].join("\n");
}

/**
 * chrony on a Samba DC: the PDC emulator follows the outside NTP servers, every other DC follows the PDC
 * emulator; all serve the site's internal networks and sign replies for Windows clients through Samba's
 * ntp_signd socket (https://wiki.samba.org/index.php/Time_Synchronisation).
 */
export function renderDcChrony(domain: DomainModel, dc: DomainController): string {
    const isPdc = dc.name === domain.pdcEmulator.name;
    const sources = isPdc ? domain.ntpServers : [domain.pdcEmulator.address];
    return [
        generatedHeader("#", {
            host: dc.name,
            what: `${isPdc ? "PDC emulator, the domain's time source" : `follows the PDC emulator ${domain.pdcEmulator.name}`}.`,
        }),
        ...sources.map((s) => `${isPdc && !/^\d+\.\d+\.\d+\.\d+$/.test(s) ? "pool" : "server"} ${s} iburst`),
        ...domain.subnets.map((s) => `allow ${s.cidr}`),
        "ntpsigndsocket /var/lib/samba/ntp_signd",
        "driftfile /var/lib/chrony/chrony.drift",
        "makestep 1.0 3",
        "rtcsync",
        "",
    ].join("\n");
}
