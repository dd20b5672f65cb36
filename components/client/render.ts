/**
 * A client workstation's domain join (issue #23): a Debian desktop as a winbind member of the AD domain. smb.conf
 * says `security = ads` with the site's idmap (billu:fileserver.idmap, the file server's own ranges, so a user's uid
 * is the same on every member), `net ads join` makes the machine account with the join account (its password in a
 * 0600 authentication file of the step's private work folder: never on a command line), NSS and PAM go through
 * winbind, and pam_mkhomedir makes the
 * user's home folder at first logon. SSH and sudo follow billu:domain.linuxLogin as on every Debian member (sshd's
 * account stage admits the SSH and sudo groups' members only, sudo is the sudo group's); the console is every staff
 * member's. Winbind rather than SSSD (the servers' join, components/base-server/member.ts):
 * Samba's Group Policy client (`samba-gpupdate`) reads the machine account from winbind's secrets.tdb. Pure.
 */
import type { ClientHost, ClientPlan } from "../../model/client";
import { COMPUTER_CLASS, type DomainModel } from "../../model/domain";
import { MEMBER_PATHS, renderKrb5, renderSshdAd, renderSudoers } from "../base-server/member";
import { DOMAIN_JOIN_SECRET } from "../contracts";
import { StepSpec, stepScript } from "../guest-step/render";
import { generatedHeader } from "../header";
import { portOf } from "../../model/ports";

export const CLIENT_PATHS = {
    smbConf: "/etc/samba/smb.conf",
    krb5: "/etc/krb5.conf",
    pamMount: "/etc/security/pam_mount.conf.xml",
    /** sshd's account rule for the domain's accounts, included by /etc/pam.d/sshd (the step adds the `@include`). */
    sshdPam: "/etc/pam.d/billu-sshd-groups",
    sudoers: MEMBER_PATHS.sudoers,
    sshd: MEMBER_PATHS.sshd,
} as const;

/**
 * The account rule sshd's PAM stack includes before common-account (billu:domain.linuxLogin, as on every Debian member):
 * an account of the domain (uid from the lowest idmap range up: the domain's RIDs and the other SIDs winbind maps) logs
 * on over SSH only as a member of the SSH or the sudo group; a local account (below) is not the domain's to judge.
 * sshd runs the account stage for every method (password, Kerberos ticket, key), so no method gets round it. The
 * console (login, the display manager: common-account alone) stays every staff member's: a workstation is theirs.
 * pam_succeed_if's `ingroup` takes the groups `:`-separated (any one of them) and resolves them through NSS (winbind,
 * case-insensitive); billu:domain.linuxLogin's names hold no `:` or space (model/domain.ts).
 */
export function renderSshdGroupsPam(domain: DomainModel, plan: ClientPlan, client: ClientHost): string {
    const login = domain.linuxLogin!;
    const low = Math.min(plan.idmap.other.low, plan.idmap.domain.low);
    return [
        generatedHeader("#", {
            host: client.name,
            what: `SSH logons of ${plan.realm}'s accounts: members of ${login.sshGroup} or ${login.sudoGroup} only (the console stays open to all).`,
        }),
        `account [success=1 default=ignore] pam_succeed_if.so quiet uid < ${low}`,
        `account required pam_succeed_if.so quiet_success user ingroup ${login.sshGroup.toLowerCase()}:${login.sudoGroup.toLowerCase()}`,
        "",
    ].join("\n");
}

/** An XML attribute value (the model's names hold none of these, but a share name is the user's text). */
function attr(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * pam_mount.conf.xml of a client with a home share (plan.homeMount): one volume, the person's folder of the file
 * server's home share mounted over CIFS as their home with their own Kerberos ticket, for the domain's accounts only
 * (uid in the idmap's domain range). No user volume files (no `luserconf`): users cannot add mounts.
 * https://pam-mount.sourceforge.net/pam_mount.conf.5.html
 */
export function renderPamMountConf(plan: ClientPlan, client: ClientHost): string | undefined {
    const m = plan.homeMount;
    if (!m) return undefined;
    return [
        '<?xml version="1.0" encoding="utf-8" ?>',
        '<!DOCTYPE pam_mount SYSTEM "pam_mount.conf.xml.dtd">',
        generatedHeader("<!--", {
            host: client.name,
            what: `the home share mounted at logon, //${m.server}/${m.share}/<user> with the user's Kerberos ticket.`,
        }),
        "<pam_mount>",
        '<debug enable="0" />',
        `<volume uid="${m.uids.low}-${m.uids.high}" fstype="cifs" server="${attr(m.server)}" path="${attr(m.share)}/%(USER)" mountpoint="${attr(m.mountPoint)}" options="${attr(m.options.join(","))}" />`,
        // At logout, unmount; never signal the person's other processes.
        '<logout wait="0" hup="no" term="no" kill="no" />',
        // The mount point is the home itself: made (owned by the person) when missing, kept at logout. (The DTD
        // fixes the elements' order: logout before mkmountpoint.)
        '<mkmountpoint enable="1" remove="false" />',
        "</pam_mount>",
        "",
    ].join("\n");
}

/** smb.conf of a client: a winbind member (no share of its own), SMB3 and signing as the file server asks. */
export function renderClientSmbConf(plan: ClientPlan, client: ClientHost): string {
    const { idmap, workgroup } = plan;
    return [
        generatedHeader("#", { host: client.name, what: `${client.name} as a winbind member of ${plan.realm}: domain users log on here.` }),
        "[global]",
        `    workgroup = ${workgroup}`,
        `    realm = ${plan.realm}`,
        `    netbios name = ${client.name}`,
        "    security = ads",
        "    kerberos method = secrets and keytab",
        "    dedicated keytab file = /etc/krb5.keytab",
        "    winbind use default domain = yes",
        "    winbind refresh tickets = yes",
        "    winbind offline logon = yes",
        "    winbind enum users = no",
        "    winbind enum groups = no",
        "    # IDs: the domain's RIDs, the same numbers as on the file server (billu:fileserver.idmap).",
        "    idmap config * : backend = tdb",
        `    idmap config * : range = ${idmap.other.low}-${idmap.other.high}`,
        `    idmap config ${workgroup} : backend = rid`,
        `    idmap config ${workgroup} : range = ${idmap.domain.low}-${idmap.domain.high}`,
        `    template homedir = ${plan.homeTemplate}`,
        `    template shell = ${plan.shell}`,
        "    client min protocol = SMB3",
        "    client signing = required",
        "    disable netbios = yes",
        "    load printers = no",
        "    printcap name = /dev/null",
        "    log file = /var/log/samba/log.%m",
        "    log level = 1",
        "",
    ].join("\n");
}

/** Step `client-join` of a client workstation. */
export function clientJoinStep(domain: DomainModel, plan: ClientPlan, client: ClientHost): StepSpec {
    if (client.flavor !== "debian") throw new Error(`internal: ${client.name} is a ${client.flavor} client: windowsClientJoinStep joins it`);
    const pamMount = renderPamMountConf(plan, client);
    const files = [
        { path: CLIENT_PATHS.krb5, content: renderKrb5(domain) },
        { path: CLIENT_PATHS.smbConf, content: renderClientSmbConf(plan, client) },
        ...(pamMount ? [{ path: CLIENT_PATHS.pamMount, content: pamMount }] : []),
        { path: CLIENT_PATHS.sshdPam, content: renderSshdGroupsPam(domain, plan, client) },
        { path: CLIENT_PATHS.sudoers, content: renderSudoers(domain), mode: "0440", check: "visudo -cq -f {}" },
        { path: CLIENT_PATHS.sshd, content: renderSshdAd(domain, "winbind") },
    ];
    const script = stepScript("linux", "client/client-join.sh", {
        HOME_MOUNT: pamMount ? "yes" : "",
        HOST_NAME: client.name,
        HOST_FQDN: client.fqdn,
        REALM: domain.realm,
        JOIN_ACCOUNT: domain.joinAccount,
        DC_FQDN: domain.dcs[0].fqdn,
        CREATE_COMPUTER: client.createComputer ?? "",
    });
    return { files, script, secrets: [DOMAIN_JOIN_SECRET] };
}

/**
 * Step `client-ou` on the first DC, after the directory step: the join account may create and delete computer objects
 * in each of the clients' OUs (plan.delegatedOus), so the join makes the computer account there; undefined when no
 * client joins an OU of the directory (the Computers container's delegation is the domain step's).
 */
export function clientOuStep(domain: DomainModel, plan: ClientPlan): StepSpec | undefined {
    if (plan.delegatedOus.length === 0) return undefined;
    const ous = plan.delegatedOus.join("\n");
    const script =
        domain.flavor === "samba"
            ? stepScript("linux", "client/client-ou.sh", { DOMAIN_DN: domain.dn, JOIN_ACCOUNT: domain.joinAccount, COMPUTER_CLASS, COMPUTER_OUS: ous })
            : stepScript("windows", "client/client-ou.ps1", {
                  NETBIOS_NAME: domain.netbiosName,
                  JOIN_ACCOUNT: domain.joinAccount,
                  // Base64 of their UTF-8, as windowsClientJoinStep's OU: Windows PowerShell reads run.ps1 in the ANSI code page.
                  COMPUTER_OUS_UTF8_B64: Buffer.from(ous, "utf8").toString("base64"),
              });
    return { files: [], script };
}

/** What a Windows client's `client-join` step prints when it scheduled the join's reboot (the role's reboot wait reads it). */
export const CLIENT_REBOOT_MARK = "BILLU-REBOOT-SCHEDULED";

/** Seconds between the join step's end and the reboot: the SSH session must close cleanly first (as a DC's promotion). */
export const CLIENT_REBOOT_DELAY_SECONDS = 15;

/** The lines around the computer's RSoP XML in the `client-rsop` step's output (rsopOf reads between them). */
export const RSOP_MARKS = { begin: "BILLU-RSOP-BEGIN", end: "BILLU-RSOP-END" } as const;

/** gpupdate's bounded wait for the computer's policy (seconds; /wait:). */
export const GPUPDATE_WAIT_SECONDS = 300;

/**
 * Step `client-join` of a Windows 11 client (flavor windows): the DNS client to the site's DCs, then `Add-Computer
 * -DomainName <domain> -OUPath <the client's OU DN> -Credential <NETBIOS\join account>` once (a member of the domain
 * already: nothing; a member of another domain: an exact error), the join account's password from the step's stdin
 * only, and a detached reboot announced by CLIENT_REBOOT_MARK (scripts/client/client-join.ps1).
 */
export function windowsClientJoinStep(domain: DomainModel, client: ClientHost): StepSpec {
    if (client.flavor !== "windows") throw new Error(`internal: ${client.name} is a ${client.flavor} client, not a Windows one`);
    const script = stepScript("windows", ["dc/windows-dns-client.ps1", "client/client-join.ps1"], {
        HOST_NAME: client.name,
        DOMAIN_FQDN: domain.fqdn,
        NETBIOS_NAME: domain.netbiosName,
        JOIN_ACCOUNT: domain.joinAccount,
        // Base64 of its UTF-8: Windows PowerShell 5.1 reads a BOM-less run.ps1 in the ANSI code page, which would turn
        // a department's "é" (OU=Finance et Comptabilité) into "Ã©"; ASCII survives any code page.
        OU_PATH_UTF8_B64: Buffer.from(client.ou, "utf8").toString("base64"),
        DNS_SERVERS: domain.dcs.map((d) => d.address).join(" "),
        REBOOT_DELAY_SECONDS: String(CLIENT_REBOOT_DELAY_SECONDS),
        REBOOT_MARK: CLIENT_REBOOT_MARK,
    });
    return { files: [], script, secrets: [DOMAIN_JOIN_SECRET] };
}

/** Step `client-rsop` of a Windows 11 client, after the join's reboot: gpupdate, then the computer's RSoP as its output. */
export function windowsClientRsopStep(domain: DomainModel, client: ClientHost): StepSpec {
    if (client.flavor !== "windows") throw new Error(`internal: ${client.name} is a ${client.flavor} client, not a Windows one`);
    const script = stepScript("windows", "client/client-rsop.ps1", {
        HOST_NAME: client.name,
        DOMAIN_FQDN: domain.fqdn,
        RSOP_BEGIN: RSOP_MARKS.begin,
        RSOP_END: RSOP_MARKS.end,
        GPUPDATE_WAIT_SECONDS: String(GPUPDATE_WAIT_SECONDS),
    });
    return { files: [], script, secrets: [] };
}

/** The computer's RSoP XML (gpresult /x) in a `client-rsop` step's output, or undefined when the output has none. */
export function rsopOf(stdout: string): string | undefined {
    const lines = stdout.split(/\r?\n/);
    const begin = lines.indexOf(RSOP_MARKS.begin);
    const end = lines.indexOf(RSOP_MARKS.end, begin + 1);
    if (begin < 0 || end < 0) return undefined;
    return lines.slice(begin + 1, end).join("\n");
}

/**
 * bash run on the Pulumi machine after a Windows client's `client-join` step: when the join scheduled its reboot
 * (BILLU_REBOOT=1, from the step's output), wait, bounded, for the client's SSH port to go down, then to come back
 * (scripts/dc/reboot-wait.sh, the DC promotion's wait, read verbatim after the client's name and address).
 */
export function renderClientRebootWait(client: ClientHost): string {
    return stepScript("linux", "dc/reboot-wait.sh", { DC_NAME: client.name, DC_ADDRESS: client.address, SSH_PORT: String(portOf("ssh")) });
}
