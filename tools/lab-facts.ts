/**
 * The facts a lab checks, from the validated model (never from a rendered file under test):
 * `node dist/tools/lab-facts.js --stack <stack> [--config <file>]` prints one JSON document on stdout:
 *   domain       the AD domain's DNS name, NetBIOS name, A and PTR records of every host
 *   fileservers  per file server: host, alert address, workgroup, admin group, mount point, shares and their groups,
 *                the mirror's md array name and UUID (mdadm's form), the home share (name, folder, staff group, the
 *                accounts that get a folder; absent: none), the shares of billu:trust's grants (name, path, the grant's
 *                group, read-only) and winbind's idmap ranges (the partner's: its NetBIOS name, low and high; absent: none)
 *   directory    the acceptance account: sAMAccountName, DN, the groups it joins by name and its department's group
 *                (absent: no directory);
 *                the scheduled drift check: its schedule and the verdict's path (billu:directory.drift); the drift
 *                reader of `npm run directory:drift`: sAMAccountName, UPN and DN (billu:directory.drift.reader);
 *                the onboarding sheets' readers' group, share, folder and retention (billu:directory.onboarding)
 *   mail         message size limit (bytes), quota (MiB), LDAP bind DN and search base, the mail domain
 *   mx           the inbound relay (billu:mx): host, its DNSBL test (threshold and sites: zone, weight, reply pattern;
 *                absent: none), what it resolves through (billu:mx.resolver: own or site)
 *   ftp          the FTP server (billu:ftp): host, FQDN, passive range, advertised address, allowed zones and groups,
 *                exchange root and folders (name, kind, group), the admin group, upload limit in bytes (absent: none)
 *   telephony    the PBX (billu:telephony): host, FQDN, address, SIP/TLS port, RTP range, the phones' zones, the admin zones,
 *                the reception's number
 *   monitoring   the Zabbix server (billu:monitoring, a site that runs its own): host, and the certificate thresholds in days
 *                (warning, critical) its templates' triggers must use (absent: no server of this site's)
 *   assets       GLPI (billu:assets): host, the LDAP search (base DN, filter, bind DN, service account) and the users it must
 *                return, the helpdesk address, the database and its user, the inventory agents and each one's zone
 * A renderer that writes a different value is then caught by the lab's probe, which compares the daemon's
 * behaviour with these facts. Exit 0 printed, 2 invalid configuration (the key path and the fix on stderr).
 */
// Before anything loads @pulumi/pulumi, as synth does: a run loads only the SDK parts it uses (tools/defer-modules.ts).
import "./defer-modules";
import * as path from "path";
import { formatProblem, InputError } from "../model/errors";
import type { AssetsPlan } from "../model/assets";
import type { FtpPlan } from "../model/ftp";
import type { MxPlan } from "../model/mx";
import type { MonitoringPlan, RemoteMonitoringPlan } from "../model/monitoring";
import type { TelephonyPlan } from "../model/telephony";
import { SiteModel } from "../model/site";
import { loadModel } from "../stacks/program";
import { checkStackName, flagValue } from "./paths";
import { readBilluConfig } from "./synth";

/** The labs' facts of a model; plain JSON, no secret (the model holds none). */
export function labFacts(m: SiteModel) {
    const d = m.domain;
    const ftp = m.plan<FtpPlan>("ftp");
    const pbx = m.plan<TelephonyPlan>("pbx");
    const assets = m.plan<AssetsPlan>("assets");
    const mx = m.plan<MxPlan>("mx");
    const mon = m.plan<MonitoringPlan | RemoteMonitoringPlan>("monitoring");
    const monitoring = mon && !mon.remote ? (mon as MonitoringPlan) : undefined;
    return {
        domain: d && {
            fqdn: d.fqdn,
            netbiosName: d.netbiosName,
            records: d.records.map((r) => ({ name: r.name, address: r.address, a: r.a, reverseZone: r.reverseZone, ptrName: r.ptrName })),
        },
        fileservers: (m.fileservers ?? []).map((f) => ({
            host: f.host,
            flavor: f.flavor,
            alertEmail: f.alertEmail,
            workgroup: f.workgroup,
            adminGroup: f.adminGroup,
            mountPoint: f.mountPoint,
            array: { name: f.array.name, mdUuid: f.array.mdUuid },
            shares: f.shares.map((s) => ({ name: s.name, kind: s.kind, groups: [...s.groups] })),
            // drive: billu:fileserver.homeDrive, each account's homeDrive in AD (labs/directory reads it back).
            homes: f.homes && { name: f.homes.name, folder: f.homes.folder, group: f.homes.group, users: [...f.homes.users], drive: f.homes.drive },
            trustShares: f.trustShares.map((t) => ({ name: t.name, path: `${f.mountPoint}/${t.name}`, group: t.group, readOnly: t.readOnly })),
            idmap: {
                default: { ...f.idmap.default },
                domain: { ...f.idmap.domain },
                partner: f.idmap.partner && { netbios: f.idmap.partner.netbios, ...f.idmap.partner.range },
            },
        })),
        directory: m.directory && {
            acceptance: m.directory.acceptance && {
                sam: m.directory.acceptance.sam,
                dn: m.directory.acceptance.dn,
                extraGroups: [...m.directory.acceptance.extraGroups],
                groups: [...m.directory.acceptance.groups],
            },
            drift: m.directory.drift && { schedule: m.directory.drift.schedule, resultPath: m.directory.drift.resultPath },
            driftReader: m.directory.driftReader && { sam: m.directory.driftReader.sam, upn: m.directory.driftReader.upn, dn: m.directory.driftReader.dn },
            onboarding: m.directory.onboarding && {
                readers: m.directory.onboarding.readers,
                share: m.directory.onboarding.share,
                path: m.directory.onboarding.path,
                retentionDays: m.directory.onboarding.retentionDays,
            },
        },
        mail: m.mail && {
            domain: m.mail.domain,
            host: m.mail.host.name,
            messageSizeBytes: m.mail.messageSizeBytes,
            quotaMiB: m.mail.quotaMiB,
            bindDn: m.mail.ldap.bindDn,
            baseDn: m.mail.ldap.baseDn,
        },
        mx: mx && {
            host: mx.host.name,
            dnsbl: mx.dnsbl && { threshold: mx.dnsbl.threshold, sites: mx.dnsbl.sites.map((s) => ({ ...s })) },
            resolver: mx.resolver,
        },
        ftp: ftp && {
            host: ftp.host.name,
            fqdn: ftp.fqdn,
            passive: { min: ftp.passive.min, max: ftp.passive.max },
            advertisedAddress: ftp.advertisedAddress,
            allowedZones: ftp.allowedZones.map((z) => z.name),
            allowedGroups: [...ftp.allowedGroups],
            root: ftp.root,
            folders: ftp.folders.map((f) => ({ name: f.name, kind: f.kind, group: f.group })),
            adminGroup: ftp.adminGroup,
            uploadLimitBytes: ftp.maxUploadMiB === undefined ? undefined : ftp.maxUploadMiB * 1024 * 1024,
        },
        telephony: pbx && {
            host: pbx.host.name,
            fqdn: pbx.fqdn,
            address: pbx.host.address,
            sipTlsPort: pbx.sipTlsPort,
            rtp: { min: pbx.rtp.min, max: pbx.rtp.max },
            phoneZones: pbx.phoneZones.map((z) => z.name),
            adminZones: pbx.adminZones.map((z) => z.name),
            reception: pbx.reception.number,
            // Each person's extension (the directory writes it into ipPhone, issue #26): labs/directory reads it back.
            extensions: pbx.extensions.map((e) => ({ sam: e.sam, number: e.number })),
        },
        monitoring: monitoring && {
            host: monitoring.host.name,
            certificateDays: monitoring.thresholds.certificateDays,
            certificateCritDays: monitoring.thresholds.certificateCritDays,
        },
        assets: assets && {
            host: assets.host.name,
            ldap: {
                baseDn: assets.ldap.baseDn,
                filter: assets.ldap.filter,
                bindDn: assets.ldap.bindDn,
                serviceAccount: assets.ldap.serviceAccount,
                expectedUsers: [...assets.ldap.expectedUsers],
            },
            helpdesk: assets.helpdesk.address,
            database: { ...assets.database },
            agents: assets.inventory.agents.map((a) => ({ host: a, zone: m.host(a).zone })),
        },
    };
}

function main(argv: string[]): number {
    const arg = (flag: string) => flagValue(argv, flag);
    const stack = arg("--stack");
    if (!stack) {
        process.stderr.write("lab-facts: --stack is required. Fix: node dist/tools/lab-facts.js --stack dev [--config <file>]\n");
        return 2;
    }
    try {
        // Pulumi's stack-name rule before the name is used in a path (tools/paths.ts), as every other tool does.
        checkStackName(stack);
        const raw = readBilluConfig(path.resolve(arg("--config") ?? `Pulumi.${stack}.yaml`));
        process.env.BILLU_PROJECT_ROOT ??= process.cwd();
        process.stdout.write(JSON.stringify(labFacts(loadModel(raw)), null, 2) + "\n");
        return 0;
    } catch (e) {
        if (e instanceof InputError) {
            process.stderr.write(`lab-facts ${stack}: ${e.problems.map(formatProblem).join("\n")}\n`);
            return 2;
        }
        throw e;
    }
}

/** The command line: `node dist/tools/lab-facts.js <argv>` runs this; the unit tests call it in their own process (__tests__/cli.ts). */
export function cli(argv: string[]): void {
    process.exitCode = main(argv);
}

if (require.main === module) cli(process.argv.slice(2));
