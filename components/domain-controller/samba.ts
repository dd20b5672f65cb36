/**
 * The `samba` flavor: Samba AD DC on Debian 12, rendered from the domain model as guest steps (files + an
 * idempotent POSIX-sh body). Passwords never sit on a command line: samba-tool reads the administrator's from
 * the `PASSWD` environment variable (its credentials code does), and where samba-tool only takes a password as
 * an argument (provision, user create) the shipped `billu-samba-tool` wrapper substitutes it inside the Python
 * process from the environment, so the kernel's command line keeps a placeholder. Pure: no Pulumi here.
 */
import { DomainController, DomainModel, FsmoRole } from "../../model/domain";
import { GuestFile, placeholder, StepSpec } from "../guest-step/render";
import { namingContexts, renderDcChrony, renderDcHosts, renderDcCloudHostsTemplate, renderDcResolv, renderKrb5, SECRET } from "./common";
import { generatedHeader } from "../header";

export const SAMBA_PATHS = {
    smbConf: "/etc/samba/smb.conf",
    samLdb: "/var/lib/samba/private/sam.ldb",
    tlsCa: "/etc/samba/tls/billu-ca.pem",
    tlsCert: "/etc/samba/tls/billu-dc.pem",
    tlsKey: "/etc/samba/tls/billu-dc.key",
    wrapper: "/usr/local/sbin/billu-samba-tool",
    records: "/etc/billu/domain/records.tsv",
    extraRecords: "/etc/billu/domain/extra-records.tsv",
    objects: "/etc/billu/domain/objects.tsv",
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

/** The wrapper that feeds samba-tool a password from the environment (see the module comment). */
export const SAMBA_TOOL_WRAPPER = `#!/usr/bin/python3
${generatedHeader("#", { note: "Runs samba-tool with a password taken from the environment, never from the command" })}
# line: every "@BILLU_SECRET@" in the arguments becomes $BILLU_SECRET inside this Python process only, so
# /proc/<pid>/cmdline and ps keep the placeholder.
import os
import runpy
import sys

secret = os.environ.pop("BILLU_SECRET", "")
args = sys.argv[1:]
if any("@BILLU_SECRET@" in a for a in args):
    if not secret:
        sys.exit("billu-samba-tool: BILLU_SECRET is empty or not set")
    args = [a.replace("@BILLU_SECRET@", secret) for a in args]
sys.argv = ["samba-tool"] + args
runpy.run_path("/usr/bin/samba-tool", run_name="__main__")
`;

export function renderSmbConf(domain: DomainModel, dc: DomainController): string {
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
        ...(domain.forwarders.length > 0 ? [`    dns forwarder = ${domain.forwarders.join(" ")}`] : []),
        "    idmap_ldb:use rfc2307 = yes",
        "    ldap server require strong auth = yes",
        "    tls enabled = yes",
        `    tls keyfile = ${SAMBA_PATHS.tlsKey}`,
        `    tls certfile = ${SAMBA_PATHS.tlsCert}`,
        `    tls cafile = ${SAMBA_PATHS.tlsCa}`,
        "    ntp signd socket directory = /var/lib/samba/ntp_signd",
        "    template shell = /bin/bash",
        "    template homedir = /home/%U",
        "",
        "[sysvol]",
        "    path = /var/lib/samba/sysvol",
        "    read only = no",
        "",
        "[netlogon]",
        `    path = /var/lib/samba/sysvol/${domain.fqdn}/scripts`,
        "    read only = no",
        "",
    ].join("\n");
}

/** Shell helpers every Samba step body starts with. */
function helpers(): string[] {
    return [
        "# samba-tool authenticates as the domain Administrator with the password in PASSWD (never an argument).",
        `st_admin() { PASSWD="$(billu_secret ${SECRET.admin})" samba-tool "$@" -U administrator; }`,
        "# Ready when the rootDSE answers over LDAP: the directory, not just the process, is up.",
        "dc_ready() { ldapsearch -LLL -x -o nettimeout=2 -H ldap://127.0.0.1 -s base -b '' dnsHostName >/dev/null 2>&1; }",
        "dc_wait_ready() {",
        "    n=0",
        '    until dc_ready; do n=$((n + 1)); [ "$n" -le 600 ] || billu_die "Samba did not answer LDAP within 120 s"; sleep 0.2; done',
        "}",
    ];
}

/** Step `dc` of a Samba DC: base files, provision (first DC) or join (the others), service, readiness. */
export function sambaDcStep(domain: DomainModel, dc: DomainController): StepSpec {
    const first = domain.dcs[0];
    const files: GuestFile[] = [
        { path: "/etc/hostname", content: `${dc.label}\n` },
        { path: "/etc/hosts", content: renderDcHosts(dc) },
        { path: "/etc/cloud/templates/hosts.debian.tmpl", content: renderDcCloudHostsTemplate(dc) },
        // Proxmox's user-data names the host but does not set preserve_hostname, so this setting holds: cloud-init
        // leaves the DC's name (this step's /etc/hostname) alone at every boot.
        { path: "/etc/cloud/cloud.cfg.d/99-billu-hostname.cfg", content: "# billu-infra: the dc step owns /etc/hostname.\npreserve_hostname: true\n" },
        { path: "/etc/resolv.conf", content: renderDcResolv(domain, dc) },
        { path: "/etc/krb5.conf", content: renderKrb5(domain) },
        { path: SAMBA_PATHS.smbConf, content: renderSmbConf(domain, dc) },
        { path: SAMBA_PATHS.tlsCa, content: placeholder(SECRET.caCert) },
        { path: SAMBA_PATHS.tlsCert, content: placeholder(SECRET.ldapsCert) },
        // Samba refuses a TLS key readable by others.
        { path: SAMBA_PATHS.tlsKey, content: placeholder(SECRET.ldapsKey), mode: "0600" },
        { path: SAMBA_PATHS.wrapper, content: SAMBA_TOOL_WRAPPER, mode: "0755" },
        { path: "/etc/chrony/chrony.conf", content: renderDcChrony(domain, dc) },
    ];
    const tls = [SAMBA_PATHS.smbConf, SAMBA_PATHS.tlsCa, SAMBA_PATHS.tlsCert, SAMBA_PATHS.tlsKey].join(" ");
    const common = [
        `if ! command -v samba >/dev/null || ! command -v ldapsearch >/dev/null || ! command -v dig >/dev/null || ! command -v ldbsearch >/dev/null; then`,
        "    billu_apt_install samba samba-ad-dc winbind krb5-user ldap-utils ldb-tools bind9-dnsutils chrony",
        "fi",
        "# An AD DC runs smbd and winbindd itself, inside samba-ad-dc: the member-server units stay off.",
        "for unit in smbd nmbd winbind; do",
        '    if systemctl is-enabled -q "$unit" 2>/dev/null; then systemctl disable --now -q "$unit"; systemctl mask -q "$unit"; billu_log "masked $unit"; fi',
        "done",
        'if billu_changed /etc/hostname || [ "$(hostname)" != "$(cat /etc/hostname)" ]; then hostname -F /etc/hostname; fi',
        ...helpers(),
    ];
    const create = dc.first
        ? [
              `if [ ! -f ${SAMBA_PATHS.samLdb} ]; then`,
              `    billu_log "provisioning the forest ${domain.fqdn} (site ${domain.adSite})"`,
              `    BILLU_SECRET="$(billu_secret ${SECRET.admin})" billu-samba-tool domain provision -s ${SAMBA_PATHS.smbConf} --server-role=dc --use-rfc2307 \\`,
              `        --dns-backend=SAMBA_INTERNAL --realm=${domain.realm} --domain=${domain.netbiosName} --site=${domain.adSite} --host-ip=${dc.address} \\`,
              "        --adminpass=@BILLU_SECRET@ >/var/log/samba/billu-provision.log 2>&1 || { tail -n 20 /var/log/samba/billu-provision.log >&2; billu_die 'provision failed'; }",
              "    created=1",
              "fi",
          ]
        : [
              `if [ ! -f ${SAMBA_PATHS.samLdb} ]; then`,
              `    billu_log "joining ${domain.fqdn} as a DC (from ${first.name}, site ${domain.adSite})"`,
              `    st_admin domain join ${domain.fqdn} DC -s ${SAMBA_PATHS.smbConf} --dns-backend=SAMBA_INTERNAL --site=${domain.adSite} --server=${first.fqdn} \\`,
              "        >/var/log/samba/billu-join.log 2>&1 || { tail -n 20 /var/log/samba/billu-join.log >&2; billu_die 'join failed'; }",
              "    created=1",
              "fi",
          ];
    const start = [
        "systemctl unmask -q samba-ad-dc",
        "systemctl enable -q samba-ad-dc",
        `if billu_changed ${tls}; then systemctl restart samba-ad-dc; else systemctl start samba-ad-dc; fi`,
        "dc_wait_ready",
        "# chrony answers signed NTP for Windows clients through Samba's socket.",
        "if [ -d /var/lib/samba/ntp_signd ] && getent group _chrony >/dev/null; then chgrp _chrony /var/lib/samba/ntp_signd && chmod 0750 /var/lib/samba/ntp_signd; fi",
        "systemctl enable -q chrony",
        "if billu_changed /etc/chrony/chrony.conf; then systemctl restart chrony; fi",
    ];
    const after = dc.first
        ? [
              "# The Administrator's password follows the secret (a changed secret is set; an unchanged one writes nothing).",
              `if [ -z "$created" ] && ! st_admin user show administrator -H ldap://${dc.fqdn} >/dev/null 2>&1; then`,
              `    BILLU_SECRET="$(billu_secret ${SECRET.admin})" billu-samba-tool user setpassword administrator --newpassword=@BILLU_SECRET@ -H ${SAMBA_PATHS.samLdb} >/dev/null`,
              '    billu_log "administrator password set from the secret"',
              "fi",
          ]
        : [
              "# A new DC: make the forest's KCC see it now and replicate every naming context both ways, instead of",
              "# waiting minutes for the periodic KCC (https://wiki.samba.org/index.php/Joining_a_Samba_DC_to_an_Existing_Active_Directory).",
              'if [ -n "$created" ]; then',
              "    n=0",
              `    until st_admin drs kcc ${first.fqdn} >/dev/null 2>&1; do n=$((n + 1)); [ "$n" -le 50 ] || billu_die "the KCC of ${first.name} stayed busy"; sleep 0.2; done`,
              `    for nc in ${namingContexts(domain)
                  .map((n) => `'${n}'`)
                  .join(" ")}; do`,
              `        st_admin drs replicate ${dc.fqdn} ${first.fqdn} "$nc" >/dev/null`,
              `        st_admin drs replicate ${first.fqdn} ${dc.fqdn} "$nc" >/dev/null`,
              "    done",
              `    billu_log "replicated with ${first.name}"`,
              "fi",
          ];
    return {
        files,
        script: ["created=", ...common, ...create, ...start, ...after].join("\n"),
        secrets: [SECRET.admin, SECRET.ldapsCert, SECRET.ldapsKey, SECRET.caCert],
    };
}

/** Step `fsmo` on a DC that must hold roles: transfers each one it does not hold yet, from whoever holds it. */
export function sambaFsmoStep(_domain: DomainModel, dc: DomainController): StepSpec {
    const parts = dc.roles.flatMap((r) => SAMBA_FSMO[r]);
    const script = [
        ...helpers(),
        "# The DC holding each role, read from this DC's own copy of the directory (one samba-tool run each time).",
        `roles() { samba-tool fsmo show -H ${SAMBA_PATHS.samLdb} 2>/dev/null; }`,
        "holder() {",
        `    printf '%s\\n' "$2" | sed -n "s/^$1 owner: CN=NTDS Settings,CN=\\([^,]*\\),.*/\\1/p" | tr 'A-Z' 'a-z'`,
        "}",
        "dc_wait_ready",
        'now="$(roles)"',
        "for pair in " + parts.map((p) => `${p.show}:${p.transfer}`).join(" ") + "; do",
        '    show="${pair%%:*}"; role="${pair#*:}"',
        `    if [ "$(holder "$show" "$now")" != "${dc.label}" ]; then`,
        `        st_admin fsmo transfer --role="$role" -H ldap://${dc.fqdn} >/dev/null`,
        `        [ "$(holder "$show" "$(roles)")" = "${dc.label}" ] || billu_die "$show did not move to ${dc.name}"`,
        `        billu_log "transferred $show to ${dc.name}"`,
        "    fi",
        "done",
    ].join("\n");
    return { files: [], script, secrets: [SECRET.admin] };
}

/** schemaIDGUID of the computer class (MS-ADSC), for the join account's delegation. */
export const COMPUTER_CLASS = "bf967a86-0de6-11d0-a285-00aa003049e2";

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
 * login groups and the join account. Lookups are cheap (dig,
 * ldbsearch); samba-tool runs only for what is missing or wrong.
 */
export function sambaDomainStep(domain: DomainModel, dc: DomainController): StepSpec {
    const sam = SAMBA_PATHS.samLdb;
    const script = [
        ...helpers(),
        "dc_wait_ready",
        `for zone in ${domain.reverseZones.join(" ")}; do`,
        "    # A zone this DC serves answers its SOA with the authoritative flag (dig: no Python start-up per zone).",
        '    if ! dig +norecurse +time=2 +tries=2 @127.0.0.1 "$zone" SOA | grep -q "flags:.* aa"; then',
        '        st_admin dns zonecreate 127.0.0.1 "$zone" >/dev/null; billu_log "created zone $zone"',
        "    fi",
        "done",
        `tab="$(printf '\\t')"`,
        `while IFS="$tab" read -r name addr rzone ptr kind; do`,
        `    if [ "$kind" = a ]; then`,
        `        cur="$(dig +short +time=2 +tries=2 @127.0.0.1 "$name.${domain.fqdn}" A | head -n 1)"`,
        `        if [ -z "$cur" ]; then st_admin dns add 127.0.0.1 ${domain.fqdn} "$name" A "$addr" >/dev/null; billu_log "A $name $addr"`,
        `        elif [ "$cur" != "$addr" ]; then st_admin dns update 127.0.0.1 ${domain.fqdn} "$name" A "$cur" "$addr" >/dev/null; billu_log "A $name $cur -> $addr"; fi`,
        "    fi",
        `    curp="$(dig +short +time=2 +tries=2 @127.0.0.1 -x "$addr" | head -n 1)"`,
        `    if [ -z "$curp" ]; then st_admin dns add 127.0.0.1 "$rzone" "$ptr" PTR "$name.${domain.fqdn}" >/dev/null; billu_log "PTR $addr $name"`,
        `    elif [ "$curp" != "$name.${domain.fqdn}." ]; then st_admin dns update 127.0.0.1 "$rzone" "$ptr" PTR "\${curp%.}" "$name.${domain.fqdn}" >/dev/null; billu_log "PTR $addr \${curp%.} -> $name"; fi`,
        `done < ${SAMBA_PATHS.records}`,
        ...(domain.extraZones.length > 0
            ? [
                  "# Zones of names outside the AD domain that services need (the public site's): created once, in the domain's",
                  "# DNS partition like the AD zone, so every DC serves them.",
                  'zones="$(st_admin dns zonelist 127.0.0.1)" || billu_die "cannot list the DNS zones of this DC"',
                  `for zone in ${domain.extraZones.join(" ")}; do`,
                  `    if ! printf '%s\\n' "$zones" | sed -n 's/^[[:space:]]*pszZoneName[[:space:]]*: //p' | grep -qixF "$zone"; then`,
                  '        st_admin dns zonecreate 127.0.0.1 "$zone" >/dev/null; billu_log "created zone $zone"',
                  "    fi",
                  "done",
              ]
            : []),
        ...(domain.extraRecords.length > 0
            ? [
                  "# Records services ask for: added when missing, every other value of the same name and type removed (a",
                  "# changed address replaces the old one), nothing written when right. dig prints an MX as `<preference>",
                  "# <exchange>.`; samba-tool takes `<exchange> <preference>`.",
                  `while IFS="$tab" read -r zone name type value pref; do`,
                  '    if [ "$name" = @ ]; then fq="$zone"; else fq="$name.$zone"; fi',
                  '    if [ "$type" = MX ]; then want="$pref $value."; data="$value $pref"; else want="$value"; data="$value"; fi',
                  '    cur="$(dig +short +time=2 +tries=2 @127.0.0.1 "$fq" "$type")" || billu_die "this DC did not answer for $fq $type"',
                  '    if ! printf \'%s\\n\' "$cur" | grep -qxF "$want"; then st_admin dns add 127.0.0.1 "$zone" "$name" "$type" "$data" >/dev/null; billu_log "$type $fq $want"; fi',
                  "    printf '%s\\n' \"$cur\" | while IFS= read -r have; do",
                  '        [ -n "$have" ] && [ "$have" != "$want" ] || continue',
                  '        if [ "$type" = MX ]; then old="${have#* }"; old="${old%.} ${have%% *}"; else old="$have"; fi',
                  '        st_admin dns delete 127.0.0.1 "$zone" "$name" "$type" "$old" >/dev/null; billu_log "$type $fq: removed $have"',
                  "    done",
                  `done < ${SAMBA_PATHS.extraRecords}`,
              ]
            : []),
        `exists() { [ -n "$(ldbsearch -H ${sam} -b "$1" -s "$2" "$3" dn 2>/dev/null | sed -n 's/^dn: //p')" ]; }`,
        `while IFS="$tab" read -r kind name detail; do`,
        '    case "$kind" in',
        `        site) exists "CN=Sites,CN=Configuration,${domain.dn}" one "(cn=$name)" || { st_admin sites create "$name" -H ldap://${dc.fqdn} >/dev/null; billu_log "site $name"; } ;;`,
        `        subnet) exists "CN=Subnets,CN=Sites,CN=Configuration,${domain.dn}" one "(cn=$name)" || { samba-tool sites subnet create "$name" "$detail" -H ${sam} >/dev/null; billu_log "subnet $name -> $detail"; } ;;`,
        `        group) exists "${domain.dn}" sub "(&(objectClass=group)(sAMAccountName=$name))" || { samba-tool group add "$name" -H ${sam} >/dev/null; billu_log "group $name"; } ;;`,
        `        user) exists "${domain.dn}" sub "(&(objectClass=user)(sAMAccountName=$name))" || {`,
        `            BILLU_SECRET="$(billu_secret ${SECRET.join})" billu-samba-tool user create "$name" @BILLU_SECRET@ --description="joins Debian servers to the domain" -H ${sam} >/dev/null`,
        '            billu_log "user $name"; } ;;',
        `        delegate) sid="$(ldbsearch -H ${sam} -b "${domain.dn}" "(sAMAccountName=$name)" objectSid | sed -n 's/^objectSid: //p')"`,
        `            acl="$(samba-tool dsacl get --objectdn="$detail" -H ${sam} 2>/dev/null)"`,
        `            case "$acl" in *"${COMPUTER_CLASS};;$sid)"*) ;; *)`,
        `                samba-tool dsacl set --objectdn="$detail" --sddl="(OA;CI;CCDC;${COMPUTER_CLASS};;$sid)(OA;CIIO;CCDCLCSWRPWPDTLOCRSDRCWDWO;;${COMPUTER_CLASS};$sid)" -H ${sam} >/dev/null`,
        '                billu_log "delegated computer objects in $detail to $name" ;;',
        "            esac ;;",
        "    esac",
        `done < ${SAMBA_PATHS.objects}`,
    ].join("\n");
    return {
        files: [
            { path: SAMBA_PATHS.records, content: renderRecordsTsv(domain) },
            ...(domain.extraRecords.length > 0 ? [{ path: SAMBA_PATHS.extraRecords, content: renderExtraRecordsTsv(domain) }] : []),
            { path: SAMBA_PATHS.objects, content: renderObjectsTsv(domain) },
        ],
        script,
        secrets: domain.members.length > 0 ? [SECRET.admin, SECRET.join] : [SECRET.admin],
    };
}
