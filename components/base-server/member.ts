/**
 * A Debian server joining the domain (`joinDomain: true`): adcli joins it with the join account (its password on
 * adcli's stdin), SSSD resolves and authenticates AD users, members of the SSH group may log on, members of the
 * sudo group may sudo, and sshd accepts their Kerberos tickets as well as their passwords. Part of the common base
 * every Linux role builds on (BaseServer's `ad-join` step); the DCs write the same krb5.conf
 * (components/domain-controller imports renderKrb5 from here). Pure: no Pulumi here.
 */
import { DomainModel } from "../../model/domain";
import { HostModel } from "../../model/site";
import { DOMAIN_JOIN_SECRET } from "../contracts";
import { StepSpec, stepScript } from "../guest-step/render";
import { generatedHeader } from "../header";

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

export const MEMBER_PATHS = {
    sssd: "/etc/sssd/sssd.conf",
    sudoers: "/etc/sudoers.d/billu-ad",
    sshd: "/etc/ssh/sshd_config.d/10-billu-ad.conf",
} as const;

export function renderSssdConf(domain: DomainModel, host: HostModel): string {
    const login = domain.linuxLogin!;
    return [
        generatedHeader("#", { host: host.name, what: `AD users of ${domain.fqdn} through SSSD.` }),
        "[sssd]",
        "services = nss, pam",
        `domains = ${domain.fqdn}`,
        "",
        `[domain/${domain.fqdn}]`,
        "id_provider = ad",
        "auth_provider = ad",
        "chpass_provider = ad",
        `ad_domain = ${domain.fqdn}`,
        `krb5_realm = ${domain.realm}`,
        `ad_server = ${domain.dcs.map((d) => d.fqdn).join(", ")}`,
        `ad_hostname = ${host.name.toLowerCase()}.${domain.fqdn}`,
        // Only these groups may log on (SSH, console); local accounts are not SSSD's to judge.
        "access_provider = simple",
        `simple_allow_groups = ${login.sshGroup}, ${login.sudoGroup}`,
        "use_fully_qualified_names = false",
        "fallback_homedir = /home/%u",
        "default_shell = /bin/bash",
        "cache_credentials = true",
        // The DC step owns the host records (from the model); SSSD must not rewrite them.
        "dyndns_update = false",
        "",
    ].join("\n");
}

/** sudo for the AD sudo group. SSSD's AD provider reports names in lower case, so the rule does too. */
export function renderSudoers(domain: DomainModel): string {
    const login = domain.linuxLogin!;
    return [
        generatedHeader("#", { what: `members of the AD group ${login.sudoGroup} may sudo.` }),
        `%${login.sudoGroup.toLowerCase()} ALL=(ALL:ALL) ALL`,
        "",
    ].join("\n");
}

/**
 * sshd for AD users: their password goes through PAM (SSSD on a server, winbind on a client), and a Kerberos ticket logs them on
 * without one (GSSAPI with the host keytab adcli writes). Debian's sshd_config reads sshd_config.d first and the
 * first value of a keyword wins, so the `10-` name puts these lines before cloud-init's `50-cloud-init.conf` (which
 * turns password logons off when the VM's cloud-init says so) and Debian's defaults.
 */
export function renderSshdAd(domain: DomainModel, via: "SSSD" | "winbind" = "SSSD"): string {
    return [
        generatedHeader("#", { what: `SSH logons of ${domain.fqdn}'s users with a Kerberos ticket (GSSAPI) or their password (PAM, ${via}).` }),
        "PasswordAuthentication yes",
        "GSSAPIAuthentication yes",
        "GSSAPICleanupCredentials yes",
        "UsePAM yes",
        "",
    ].join("\n");
}

/** Step `ad-join` of a Debian member. */
export function memberJoinStep(domain: DomainModel, host: HostModel): StepSpec {
    const fqdn = `${host.name.toLowerCase()}.${domain.fqdn}`;
    const files = [
        { path: "/etc/krb5.conf", content: renderKrb5(domain) },
        { path: MEMBER_PATHS.sssd, content: renderSssdConf(domain, host), mode: "0600" },
        { path: MEMBER_PATHS.sudoers, content: renderSudoers(domain), mode: "0440", check: "visudo -cq -f {}" },
        { path: MEMBER_PATHS.sshd, content: renderSshdAd(domain) },
    ];
    const script = stepScript("linux", "dc/member-ad-join.sh", {
        HOST_NAME: host.name,
        HOST_FQDN: fqdn,
        COMPUTER_NAME: host.name.toUpperCase(),
        DOMAIN_FQDN: domain.fqdn,
        REALM: domain.realm,
        JOIN_ACCOUNT: domain.joinAccount,
        DC_FQDN: domain.dcs[0].fqdn,
    });
    return { files, script, secrets: [DOMAIN_JOIN_SECRET] };
}
