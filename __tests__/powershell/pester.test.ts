/**
 * The Windows appliers and steps executed by PowerShell under Pester, with the Windows-only cmdlets mocked
 * (__tests__/powershell/pester/*.Tests.ps1 say which). The inputs are what the model renders, written here:
 * - dev's directory plan from the committed export and lock, and the plan of the Samba lab's edited export (one
 *   arrival, one move, one departure: labs/directory/probe.py `edit`) against the same lock;
 * - the plan of a small export whose names need DN escaping (a comma, a plus, a trailing backslash, a #, < = >);
 * - prod's `domain` step on the first Windows DC (windowsDomainStep) and the DNS records the model wants there;
 * - the same step without Debian members or Linux login, and the partner's conditional forwarder;
 * - prod's `site-ca` step on the first Windows DC (windowsSiteCaStep) and the domain's DN its container is under;
 * - prod's `dc`, `ready` and `fsmo` steps for every Windows DC (windowsDcStep, windowsReadyStep, windowsFsmoStep) and
 *   the names, forwarders and time sources they must use;
 * - the Windows file server's storage.ps1 and shares.ps1 for dev with PAR-FS01 on Windows (as parse.test.ts builds
 *   it) and the plan they must realise (disk size, pool, drive letter, shares and their groups), and shares.ps1 for the
 *   same plan with five home folders (the drift tests); shares.ps1 for prod with
 *   PAR-FS01 on Windows, whose trust grant's share it must realise (the grant's group, its NTFS rights and SMB access).
 * - scripts/dc/admin-login.ps1's functions (the admin's key login across promotion), loaded by the test itself;
 * - dev's password-policy.json (billu:directory.accountPolicy) for scripts/directory/Apply-PasswordPolicy.ps1;
 * - scripts/backup/backup-run.ps1 with the settings prod's first Windows DC gets as a client of the in-guest backup;
 * - scripts/directory/drift-task.ps1 with the data prod's directory step gives it (the drift check's scheduled task);
 * - scripts/monitoring/agent-windows.ps1 with the Zabbix agent settings and configuration prod's first Windows DC gets;
 * - prod's `trust` step on its first Windows DC (windowsTrustStep) and the trust it must create;
 * - GLPI's assets-directory step for a Windows first DC (dev's plan, the domain's flavor windows);
 * - prod's `mail-directory` step on the first Windows DC (mailDirectoryStep) and the TXT records the model wants there;
 * - dev's Windows 11 client's `client-join` and `client-rsop` steps (windowsClientJoinStep, windowsClientRsopStep) and
 *   the domain, OU, join account and DNS servers the model gives them;
 * - prod's gpos.json (the manifest the Samba step reads too) for scripts/gpo/Apply-Gpo.ps1, and prod's GPO plan as
 *   the expectations (registry values as the model states them, the other files' bytes, principals, links);
 * - prod with a windowsLaps GPO added: its gpos.json's `laps` for Invoke-BilluLapsSetup, and the OUs, readers and
 *   NetBIOS name its plan expects;
 * One pwsh process runs every Pester file; the test names and results come back as JSON.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { conditionalForwarders, SECRET } from "../../components/domain-controller/common";
import { windowsDcStep, windowsDomainStep, windowsFsmoStep, windowsReadyStep } from "../../components/domain-controller/windows";
import { windowsSiteCaStep } from "../../components/domain-controller/site-ca";
import { qualified, renderSharesPs1, renderStoragePs1, sharePath } from "../../components/fileserver/render";
import { renderApplierPlan, renderPasswordPolicy, WINDOWS_PATHS } from "../../components/directory/render";
import { ipPhonesOf, TelephonyPlan } from "../../model/telephony";
import { FileServerPlan, homeDirectoriesOf } from "../../model/fileserver";
import { windowsDriftData } from "../../components/directory/drift";
import { MAIL_DIRECTORY_PATHS, MAIL_DNS_PATHS, mailDirectoryStep, renderAliasesTsv, renderMailTxtTsv } from "../../components/directory/mail";
import { parseDirectoryLock } from "../../model/directory-lock";
import { EMPTY_LOCK } from "../../model/directory-lock";
import { planDirectory } from "../../model/directory";
import { parseHrExport } from "../../model/hr";
import { buildSiteModel } from "../../model/site";
import { ROOT, stackRaw } from "../helpers";
import type { BackupPlan } from "../../model/backup";
import type { WsusPlan } from "../../model/wsus";
import { renderWsusPlan } from "../../components/wsus/render";
import type { SiteModel } from "../../model/site";
import { renderWindowsClientSettings } from "../../components/backup/render";
import { renderWindowsAgentConf, renderWindowsAgentSettings } from "../../components/monitoring/render";
import type { MonitoringPlan } from "../../model/monitoring";
import { powershellTools, runPwsh } from "./pwsh";
import { dotnetDirection, renderGrantsTsv, windowsTrustStep } from "../../components/trust/render";
import { trustService } from "../../model/services/trust";
import { planOf } from "../../model/services/types";
import { assetsDirectoryStep } from "../../components/directory/assets";
import type { AssetsPlan } from "../../model/assets";
import { regDataBytes, renderGpoFiles, renderGpoManifest } from "../../components/gpo/render";
import { GLPI_AGENT_POLICY_KEY, REG_TYPE_CODES } from "../../model/gpo";
import type { GposPlan } from "../../model/gpo";
import { clientService } from "../../model/services/client";
import { DOMAIN_JOIN_SECRET } from "../../components/contracts";
import { GPUPDATE_WAIT_SECONDS, windowsClientJoinStep, windowsClientRsopStep } from "../../components/client/render";

const dir = mkdtempSync(path.join(tmpdir(), "billu-pester-"));
const read = (p: string) => readFileSync(path.isAbsolute(p) ? p : path.join(ROOT, p));

/** A committed stack's model with its export and its lock, as synth builds it (an export path may be replaced). */
function siteModel(stack: string, hrCsv?: string, edit?: (raw: Record<string, any>) => void) {
    const raw = stackRaw(stack);
    if (hrCsv) raw.directory.hrCsv = hrCsv;
    edit?.(raw);
    return buildSiteModel(
        raw,
        (p) => parseHrExport(read(p), p),
        (p) => (p ? parseDirectoryLock(read(p).toString("utf8"), p) : EMPTY_LOCK),
    );
}

/** The Samba lab's edit (labs/directory/probe.py `edit`): a homonym arrives, Léa Laurent (1989) moves, Gaëlle Thomas (1975) leaves. */
function editedExport(): string {
    const lines = read("data/billu-hr.csv").toString("utf8").trimEnd().split("\n");
    const out = lines
        .filter((l) => !/^[^;]*;Gaëlle;Thomas;(?:[^;]*;){9}13\/01\/1975;/.test(l))
        .map((l) => {
            const f = l.split(";");
            if (f[1] === "Léa" && f[2] === "Laurent" && f[12] === "20/11/1989") [f[5], f[6]] = ["DSI", "Exploitation"];
            return f.join(";");
        });
    expect(lines.length - out.length).toBe(1);
    out.push("M.;Théo;Ødegaard;BillU;Paris;QHSE;Qualité;Technicien;Lucas;Van der Berg;PC0999;Dell;01/01/1990;01 11 22 33 44;06 11 22 33 44");
    const file = path.join(dir, "edited.csv");
    writeFileSync(file, out.join("\n") + "\n");
    return file;
}

/** People and places whose names need escaping in a DN. */
const EDGE_CSV = [
    "Civilite;Prenom;Nom;Societe;Site;Departement;Service;Fonction;Manager-Prenom;Manager-Nom;Nom de PC;Marque PC;Date de naissance;Telephone fixe;Telephone portable",
    "M.;Jean+Paul;Dupont, Jr;BillU;Paris;R&D, Lab;Support\\;Technicien;;;PC-EDGE1;Dell;01/02/1980;;",
    "Mme;Zoé;Martin;BillU;Paris;R&D, Lab;#Ops <A=B>;Ingénieure;Jean+Paul;Dupont, Jr;PC-EDGE2;HP;03/04/1985;01 23 45 67 89;",
].join("\n");

/** dev with PAR-FS01 on Windows Server and the windows file server flavor (as parse.test.ts and __tests__/synth/fileserver-windows). */
function windowsFileServerModel() {
    return siteModel("dev", undefined, (raw) => {
        const fs = raw.hosts.find((h: { name: string }) => h.name === "PAR-FS01");
        fs.os = "windows-2022-gui";
        fs.joinDomain = false;
        raw.fileserver.flavor = "windows";
        // dev's home share (home$) and its Documents redirection GPO stay: shares.ps1 builds the home folders too.
    });
}

function write(name: string, text: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
}

/** Every Windows DC's rendered `dc` and `fsmo` steps, and what they must use (from the model, not from the scripts). */
function windowsDcInputs(domain: NonNullable<ReturnType<typeof siteModel>["domain"]>): Record<string, string> {
    expect(domain.flavor).toBe("windows");
    const dcs = domain.dcs.map((dc) => ({
        name: dc.name,
        fqdn: dc.fqdn,
        address: dc.address,
        first: dc.first,
        roles: dc.roles,
        dcStep: write(`dc-${dc.name}.ps1`, windowsDcStep(domain, dc).script),
        fsmoStep: write(`fsmo-${dc.name}.ps1`, windowsFsmoStep(domain, dc).script),
        readyStep: write(`ready-${dc.name}.ps1`, windowsReadyStep(domain, dc).script),
        isPdc: dc.name === domain.pdcEmulator.name,
    }));
    const model = {
        fqdn: domain.fqdn,
        netbiosName: domain.netbiosName,
        adSite: domain.adSite,
        forwarders: domain.forwarders,
        ntpServers: domain.ntpServers,
        pdcEmulator: domain.pdcEmulator.name,
        secrets: SECRET,
        dcs,
    };
    return { BILLU_DC_MODEL: write("dc-model.json", JSON.stringify(model)) };
}

/** The Windows file server's storage.ps1 and shares.ps1, and the plan they must realise. */
function windowsFileServerInputs(): Record<string, string> {
    const m = windowsFileServerModel();
    const plan = m.fileservers![0];
    expect(plan.flavor).toBe("windows");
    const host = m.hosts.find((h) => h.name === plan.host)!;
    const model = {
        host: plan.host,
        pool: plan.array.name,
        letter: plan.driveLetter,
        label: plan.array.label,
        diskBytes: plan.array.disks.map((d) => d.sizeGiB * 1024 ** 3),
        admins: qualified(plan, plan.adminGroup),
        shares: plan.shares.map((s) => ({ name: s.name, path: sharePath(plan, s), comment: s.comment, groups: s.groups.map((g) => qualified(plan, g)) })),
        // The home share from the plan: its folder on the data volume, the staff group, one folder per enabled person.
        home: {
            name: plan.homes!.name,
            path: `${plan.driveLetter}:\\Shares\\${plan.homes!.folder}`,
            group: qualified(plan, plan.homes!.group),
            domain: plan.workgroup,
            users: m.directory!.people.filter((p) => p.enabled).map((p) => p.sam),
        },
    };
    // The same plan with five home folders (the model's first five enabled people): the drift tests each assert one
    // folder's ACL or one arrival, and a run of shares.ps1 over dev's 167 folders cost ~0.3 s of pwsh's CPU in each;
    // the from-empty run and its re-run keep all 167.
    const few = model.home.users.slice(0, 5);
    expect(few.length).toBe(5);
    const fewPlan: FileServerPlan = { ...plan, homes: { ...plan.homes!, users: plan.homes!.users.filter((u) => few.includes(u)) } };
    return {
        BILLU_FS_STORAGE: write("storage.ps1", renderStoragePs1(plan, host)),
        BILLU_FS_SHARES: write("shares.ps1", renderSharesPs1(plan)),
        BILLU_FS_MODEL: write("fs-model.json", JSON.stringify(model)),
        BILLU_FS_SHARES_FEW: write("shares-few.ps1", renderSharesPs1(fewPlan)),
        BILLU_FS_MODEL_FEW: write("fs-model-few.json", JSON.stringify({ ...model, home: { ...model.home, users: few } })),
    };
}

/**
 * prod with PAR-FS01 on Windows Server (the windows flavor, no home share): its shares.ps1 carries the trust grant's
 * share (billu:trust.grants[0].share), and the plan it must realise (the grant's group, its access in NTFS and SMB terms).
 */
function windowsTrustShareInputs(): Record<string, string> {
    const m = siteModel("prod", undefined, (raw) => {
        const fs = raw.hosts.find((h: { name: string }) => h.name === "PAR-FS01");
        fs.os = "windows-2022-gui";
        fs.joinDomain = false;
        raw.fileserver.flavor = "windows";
        delete raw.fileserver.homeShare;
        raw.gpo.gpos = raw.gpo.gpos.filter((g: { policies: Record<string, unknown> }) => !g.policies.folderRedirectionDocuments);
    });
    const plan = m.fileservers!.find((p) => p.host === "PAR-FS01")!;
    expect([plan.flavor, plan.trustShares.length]).toEqual(["windows", 1]);
    const model = {
        admins: qualified(plan, plan.adminGroup),
        shares: plan.shares.map((s) => ({ name: s.name, path: sharePath(plan, s), groups: s.groups.map((g) => qualified(plan, g)) })),
        trustShares: plan.trustShares.map((t) => ({
            name: t.name,
            path: sharePath(plan, t),
            group: qualified(plan, t.group),
            rights: t.readOnly ? "ReadAndExecute" : "Modify",
            access: t.readOnly ? "Read" : "Change",
        })),
    };
    return {
        BILLU_FS_TRUST_SHARES: write("shares-trust.ps1", renderSharesPs1(plan)),
        BILLU_FS_TRUST_MODEL: write("fs-trust-model.json", JSON.stringify(model)),
    };
}

interface PesterResult {
    passed: string[];
    failed: { name: string; error: string }[];
    skipped: string[];
    containers: string[];
}

let result: PesterResult;

/**
 * The settings prod's first Windows DC gets as a client of the in-guest backup (renderWindowsClientSettings): prod's own
 * backup plan (its server PAR-BKP01, billu:backup's schedule) and the data its services declare.
 */
function windowsBackupInputs(prod: SiteModel): Record<string, string> {
    const plan = prod.plan<BackupPlan>("backup");
    const client = plan!.clients.find((c) => c.name === "PAR-DC01")!;
    expect([client.os, client.task]).toEqual(["windows", { at: client.onCalendar.replace("*-*-* ", ""), days: [] }]);
    return {
        BILLU_BACKUP_WIN_SETTINGS: write(
            "backup-client.json",
            renderWindowsClientSettings(
                plan!,
                client,
                prod.backups.filter((s) => s.host === client.name),
            ),
        ),
    };
}

/**
 * GLPI's `assets-directory` step as a Windows first DC runs it (assetsDirectoryStep for dev's plan with the domain's
 * flavor windows: no committed stack has GLPI beside Windows DCs yet), and what it must do, from the plan.
 */
function windowsAssetsInputs(dev: SiteModel): Record<string, string> {
    const plan = dev.plan<AssetsPlan>("assets")!;
    const step = assetsDirectoryStep(plan, { ...dev.domain!, flavor: "windows" });
    expect(step.secrets).toEqual(["glpi-ldap-password"]);
    return {
        BILLU_ASSETS_DIR_STEP: write("assets-directory.ps1", step.script),
        BILLU_ASSETS_DIR_MODEL: write(
            "assets-directory.json",
            JSON.stringify({ account: plan.ldap.serviceAccount, bindDn: plan.ldap.bindDn, helpdesk: plan.helpdesk.address }),
        ),
    };
}

/**
 * The Zabbix agent's settings and configuration prod's first Windows DC gets (renderWindowsAgentSettings and
 * renderWindowsAgentConf), and what they must hold, from the plan.
 */
function windowsZabbixInputs(prod: SiteModel): Record<string, string> {
    const plan = prod.plan<MonitoringPlan>("monitoring")!;
    const host = plan.hosts.find((h) => h.name === "PAR-DC01")!;
    expect([host.os, plan.windowsAgent?.sha256]).toEqual(["windows", undefined]);
    return {
        BILLU_ZBX_WIN_SETTINGS: write("zbx-agent.json", renderWindowsAgentSettings(plan, host)),
        BILLU_ZBX_WIN_CONF: write("zbx-agent.conf", renderWindowsAgentConf(plan, host)),
        BILLU_ZBX_WIN_MODEL: write(
            "zbx-model.json",
            JSON.stringify({
                host: host.name,
                server: plan.host.address,
                port: host.port,
                msiUrl: plan.windowsAgent!.msiUrl,
                version: plan.windowsAgent!.version,
            }),
        ),
    };
}

/**
 * prod's wsus.json as components/wsus renders it for PAR-WSUS01, and what the step must leave on the server, from
 * prod's WSUS plan (not from the renderer).
 */
/**
 * Prod's `mail-directory` step on the first (Windows) DC, its data files' paths pointed at copies written here (the TXT
 * records with a DKIM key standing for the secret's value, as the step's library substitutes it), and the records the
 * model wants (zone, name, value).
 */
function windowsMailDirectoryInputs(prod: SiteModel): Record<string, string> {
    const plan = prod.mail!;
    const domain = prod.domain!;
    const key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest";
    const aliases = write("mail-aliases.tsv", renderAliasesTsv(plan));
    const txt = write("mail-txt-records.tsv", renderMailTxtTsv(plan, domain).replace("{{secret:mail-dkim-public}}", key));
    const script = mailDirectoryStep(plan, domain)
        .script.replace(`'${MAIL_DIRECTORY_PATHS.windows.aliases}'`, `'${aliases}'`)
        .replace(`'${MAIL_DNS_PATHS.windows.txt}'`, `'${txt}'`);
    return {
        BILLU_MAIL_DIRECTORY_STEP: write("mail-directory-step.ps1", script),
        BILLU_MAIL_TXT_WANT: write(
            "mail-txt-want.json",
            JSON.stringify(plan.txt.map((t) => ({ zone: domain.fqdn, name: t.name, value: t.value.replace("<dkim-public-key>", key) }))),
        ),
    };
}

function windowsWsusInputs(prod: SiteModel): Record<string, string> {
    const plan = prod.plan<WsusPlan>("wsus")!;
    expect([plan.host, plan.url]).toEqual(["PAR-WSUS01", "https://par-wsus01.billu.remindme.lan:8531"]);
    const host = prod.hosts.find((h) => h.name === plan.host)!;
    const model = {
        fqdn: plan.fqdn,
        ssl: plan.ssl,
        port: plan.port,
        cleanup: plan.cleanup,
        driveLetter: plan.driveLetter,
        contentDir: plan.contentDir,
        dataDiskBytes: host.disks[1].sizeGiB * 1024 ** 3,
        products: plan.products,
        classifications: plan.classifications,
        languages: plan.languages,
        upstream: plan.upstream,
        syncTime: plan.syncTime,
        targetGroups: plan.targetGroups.map((g) => g.name),
        rules: plan.rules,
    };
    return { BILLU_WSUS_PLAN: write("wsus.json", renderWsusPlan(plan)), BILLU_WSUS_MODEL: write("wsus-model.json", JSON.stringify(model)) };
}

/**
 * The GLPI agent's startup script (scripts/assets/Install-GlpiAgent.ps1) reads the values dev's GPO "BillU - Agent GLPI"
 * writes in HKLM: the policy key and its values from the GPO plan, and what the assets plan says they must carry.
 */
function glpiAgentInputs(dev: SiteModel): Record<string, string> {
    const assets = dev.plan<AssetsPlan>("assets")!;
    const g = dev.plan<GposPlan>("gpo")!.gpos.find((x) => x.named.some((n) => n.name === "glpiAgent"))!;
    const keys = [...new Set(g.machine.registry.map((r) => r.key))];
    expect(keys).toEqual([GLPI_AGENT_POLICY_KEY]);
    return {
        BILLU_GLPI_AGENT_MODEL: write(
            "glpi-agent.json",
            JSON.stringify({
                key: keys[0],
                values: g.machine.registry.map((r) => ({ valueName: r.valueName, data: r.data })),
                server: assets.windowsAgent.server,
                msiUrl: assets.windowsAgent.msiUrl,
                version: assets.windowsAgent.version,
                tag: "windows",
            }),
        ),
    };
}

/** prod's gpos.json and, from its GPO plan, what the Windows applier must leave in the domain. */
function windowsGpoInputs(prod: SiteModel): Record<string, string> {
    const plan = prod.plan<GposPlan>("gpo")!;
    // BillU's ten GPOs (#17) and the GLPI agent's (#21).
    expect([plan.flavor, plan.gpos.length]).toEqual(["windows", 11]);
    const regs = (rs: GposPlan["gpos"][number]["machine"]["registry"]) =>
        rs.map((r) => ({
            key: r.key,
            valueName: r.valueName,
            type: REG_TYPE_CODES[r.type],
            data: regDataBytes(r).toString("base64"),
            ...(typeof r.data === "string" ? { text: r.data } : {}),
        }));
    const model = {
        gpos: plan.gpos.map((g) => {
            const f = renderGpoFiles(g);
            return {
                name: g.name,
                applyTo: g.applyTo,
                registry: { machine: regs(g.machine.registry), user: regs(g.user.registry) },
                files: f.files.filter((x) => !x.path.endsWith("/Registry.pol")).map((x) => ({ path: x.path, base64: x.bytes.toString("base64") })),
                machine: g.machine.registry.length + g.security.systemAccess.length + g.security.registryValues.length > 0,
                user: g.user.registry.length + g.user.drives.length > 0,
                machineExtensions: f.machineExtensions,
                userExtensions: f.userExtensions,
            };
        }),
        links: plan.links.map((l) => ({ dn: l.dn, gpos: l.gpos })),
        sysvolFile: { path: plan.sysvolFiles[0].target, base64: read(plan.sysvolFiles[0].source).toString("base64") },
    };
    return {
        BILLU_GPO_MANIFEST: write(
            "gpos.json",
            renderGpoManifest(plan, (p) => read(p)),
        ),
        BILLU_GPO_MODEL: write("gpo-model.json", JSON.stringify(model)),
    };
}

/**
 * prod with a Windows LAPS GPO added (prod carries none yet) on the computers' OU, readable by GG_DSI: its gpos.json
 * (the `laps` section Invoke-BilluLapsSetup reads) and, from its plan, the OUs, readers and NetBIOS name expected.
 */
function windowsLapsInputs(): Record<string, string> {
    const m = siteModel("prod", undefined, (raw) => {
        raw.gpo.gpos.push({
            name: "BillU - LAPS",
            kind: "security",
            links: [{ ou: "BillU/Ordinateurs" }],
            policies: { windowsLaps: { passwordAgeDays: 30, readers: "GG_DSI" } },
        });
    });
    const plan = m.plan<GposPlan>("gpo")!;
    expect(plan.laps).toEqual({ ous: ["OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan"], readers: ["GG_DSI"] });
    return {
        BILLU_LAPS_MANIFEST: write(
            "gpos-laps.json",
            renderGpoManifest(plan, (p) => read(p)),
        ),
        BILLU_LAPS_MODEL: write("laps-model.json", JSON.stringify({ ous: plan.laps!.ous, readers: plan.laps!.readers, netbiosName: m.domain!.netbiosName })),
    };
}

/** dev's Windows 11 client's rendered `client-join` and `client-rsop` steps, and what they must use (from the model). */
function windowsClientInputs(dev: SiteModel): Record<string, string> {
    const plan = planOf(clientService, dev)!;
    const domain = dev.domain!;
    const client = plan.clients.find((c) => c.flavor === "windows")!;
    return {
        BILLU_CLIENT_MODEL: write(
            "client-model.json",
            JSON.stringify({
                name: client.name,
                ou: client.ou,
                fqdn: domain.fqdn,
                netbiosName: domain.netbiosName,
                joinAccount: domain.joinAccount,
                joinSecret: DOMAIN_JOIN_SECRET,
                dnsServers: domain.dcs.map((d) => d.address),
                gpupdateWaitSeconds: GPUPDATE_WAIT_SECONDS,
                joinStep: write("client-join.ps1", windowsClientJoinStep(domain, client).script),
                rsopStep: write("client-rsop.ps1", windowsClientRsopStep(domain, client).script),
            }),
        ),
    };
}

beforeAll(async () => {
    const tools = powershellTools();
    expect(typeof tools === "string" ? tools : "").toBe("");
    if (typeof tools === "string") return;
    const dev = siteModel("dev");
    const edited = siteModel("dev", editedExport());
    expect(edited.directory!.summary).toEqual({ create: 1, move: 1, update: 0, disable: 1, none: 165 });
    const edge = planDirectory({
        hr: parseHrExport(Buffer.from(EDGE_CSV + "\n"), "edge.csv"),
        lock: EMPTY_LOCK,
        domain: "billu.remindme.lan",
        company: "BillU",
    });
    expect(edge.problems).toEqual([]);
    const prod = siteModel("prod");
    const domain = prod.domain!;
    // prod has no conditional forwarder of its own: the partner's, as a VPN pairing adds it (conditionalForwarders).
    expect(conditionalForwarders(prod)).toEqual([]);
    const forwarders = [{ domain: "ecotech.lan", servers: ["10.30.10.11", "10.30.10.12"] }];
    const trust = planOf(trustService, prod)!;
    expect(trust.local.flavor).toBe("windows");
    const env = {
        BILLU_TRUST_STEP: write("trust-step.ps1", windowsTrustStep(trust).script),
        BILLU_TRUST_GRANTS: write("grants.tsv", renderGrantsTsv(trust)),
        BILLU_TRUST_MODEL: write(
            "trust-model.json",
            JSON.stringify({ partner: trust.partner.domain, direction: dotnetDirection(trust), adminGroup: trust.partner.adminGroup, grants: trust.grants }),
        ),
        // With the telephony plan's extensions (issue #26): ipPhone set on creation, cleared when a person leaves.
        // And with dev's home share: each enabled account's homeDirectory and homeDrive.
        BILLU_PLAN_DEV: write(
            "plan-dev.json",
            renderApplierPlan(
                dev.directory!,
                ipPhonesOf(dev.plan<TelephonyPlan>("pbx")),
                homeDirectoriesOf(dev.plan<FileServerPlan[]>("fileserver"), dev.domain?.fqdn),
            ),
        ),
        BILLU_PLAN_EDITED: write(
            "plan-edited.json",
            renderApplierPlan(
                edited.directory!,
                ipPhonesOf(edited.plan<TelephonyPlan>("pbx")),
                homeDirectoriesOf(edited.plan<FileServerPlan[]>("fileserver"), edited.domain?.fqdn),
            ),
        ),
        // The directory service's planner adds the onboarding sheet (issue #24); planDirectory alone does not: its first group reads.
        BILLU_PLAN_EDGE: write(
            "plan-edge.json",
            renderApplierPlan({
                ...edge.plan!,
                onboarding: {
                    readers: edge.plan!.groups[0].sam,
                    readersDn: edge.plan!.groups[0].dn,
                    share: "onboarding$",
                    path: "C:/ProgramData/billu/onboarding",
                    retentionDays: 14,
                },
            }),
        ),
        BILLU_PASSWORD_POLICY: write("password-policy.json", renderPasswordPolicy(dev.directory!.passwordPolicy!)),
        BILLU_DOMAIN_STEP: write("domain-step.ps1", windowsDomainStep(domain, forwarders).script),
        BILLU_DOMAIN_STEP_BARE: write("domain-step-bare.ps1", windowsDomainStep({ ...domain, members: [], linuxLogin: undefined }, forwarders).script),
        BILLU_DOMAIN_MODEL: write(
            "domain-model.json",
            JSON.stringify({
                fqdn: domain.fqdn,
                reverseZones: domain.subnets.map((s) => s.reverseZone),
                extraZones: domain.extraZones,
                records: domain.records,
                extraRecords: domain.extraRecords,
                forwarders,
                subnets: domain.subnets.map((s) => s.cidr),
                adSite: domain.adSite,
                netbiosName: domain.netbiosName,
                dn: domain.dn,
                linuxGroups: domain.linuxLogin ? [domain.linuxLogin.sshGroup, domain.linuxLogin.sudoGroup] : [],
                joinAccount: domain.joinAccount,
                joinSecret: SECRET.join,
            }),
        ),
        // The first DC's site-ca step (the site CA in AD for Windows members) and the domain's DN it must publish under.
        BILLU_SITE_CA_STEP: write("site-ca-step.ps1", windowsSiteCaStep(domain).script),
        BILLU_SITE_CA_DN: domain.dn,
        ...windowsDcInputs(domain),
        ...windowsFileServerInputs(),
        ...windowsTrustShareInputs(),
        ...windowsBackupInputs(prod),
        ...windowsZabbixInputs(prod),
        // The drift task's data as prod's directory step renders it (components/directory/drift.ts).
        BILLU_DRIFT_DATA: write("drift-data.json", JSON.stringify(windowsDriftData(prod.directory!.drift!, WINDOWS_PATHS))),
        ...windowsGpoInputs(prod),
        ...windowsLapsInputs(),
        ...windowsWsusInputs(prod),
        ...windowsAssetsInputs(dev),
        ...glpiAgentInputs(dev),
        ...windowsMailDirectoryInputs(prod),
        ...windowsClientInputs(dev),
        BILLU_PESTER: tools.pester,
    };
    const run = await runPwsh(tools.pwsh, path.join(__dirname, "run-pester.ps1"), env);
    expect([run.status, run.stderr]).toEqual([0, ""]);
    result = JSON.parse(run.stdout.slice(run.stdout.indexOf("{"))) as PesterResult;
}, 300000);

test("every Pester test passes", () => {
    expect(result.failed).toEqual([]);
    expect(result.containers).toEqual([]);
    expect(result.skipped).toEqual([]);
});

test("the Pester tests that ran are exactly these", () => {
    expect(result.passed).toEqual([
        "the first DC's ready step: the admin becomes a domain admin.the local account the forest turned into a domain account: added to Domain Admins (by RID 512, its name localized), once",
        "the first DC's ready step: the admin becomes a domain admin.no such domain account: creates it enabled, with a password nobody is given (a SecureString), then makes it a domain admin",
        "the first DC's ready step: the admin becomes a domain admin.a disabled domain account: enabled again",
        "the first DC's ready step: the admin becomes a domain admin.a keys file with no key: stops before touching the domain, saying how to fix it",
        "a joining DC's dc step: no promotion that would lock the admin out.the admin is a domain admin on the first DC: goes on, asking the first DC with the given credential",
        "a joining DC's dc step: no promotion that would lock the admin out.refuses, naming why, when the domain account <why>", // does not exist
        "a joining DC's dc step: no promotion that would lock the admin out.refuses, naming why, when the domain account <why>", // is disabled
        "a joining DC's dc step: no promotion that would lock the admin out.refuses, naming why, when the domain account <why>", // is not a member of Domain Admins
        "a joining DC's dc step: no promotion that would lock the admin out.refuses when its own keys file holds no key, before asking the domain",
        "a joining DC's dc step: no promotion that would lock the admin out.installs the AD module first when the server lacks it",
        "a joining DC's dc step: no promotion that would lock the admin out.already a DC (a re-run after promotion): nothing to check",
        "DN parsing (RFC 4514).splits off the first RDN after a value that ends in a backslash",
        "DN parsing (RFC 4514).keeps escaped commas and plus signs inside their RDN",
        "DN parsing (RFC 4514).unescapes every special character, a leading #, and hex pairs",
        "DN parsing (RFC 4514).refuses a DN that ends inside an escape, naming it",
        "DN parsing (RFC 4514).tells a DN under another one by its RDNs, not by the text's ending",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.dev, from an empty directory: creates exactly the planned OUs, groups, accounts and computers, each at its planned DN",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.dev again: writes nothing",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.ipPhone (issue #26): every planned extension set at creation; the leaver has one before leaving, none after",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.home share: every enabled account created with its folder as homeDirectory and the drive as homeDrive; a hand-changed one is set back by one Set-ADUser, then nothing",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.edited: the plans differ by one arrival, one move to another service and one departure (with their computers)",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.edited: creates, moves and disables exactly those, and the directory then matches the plan",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.edited again: writes nothing",
        "the dev plan, then the Samba lab's edited plan, applied to one directory.adopts a computer found elsewhere under the managed OU, moving it back to its planned place",
        "names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign).the plan has them",
        "names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign).creates every object at its planned DN",
        "names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign).writes nothing the second time",
        "names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign).writes nothing when the directory spells the same DNs with hex escapes (\\2B, \\2C, \\5C)",
        "refusals: checked before anything is written.refuses accounts, groups and computers outside the managed OU, CN=Computers included, and writes nothing",
        "check mode (issue #27): the edited plan applied, then four edits by hand.in sync after the apply: exit 0, no difference, nothing written",
        "check mode (issue #27): the edited plan applied, then four edits by hand.the four edits: exactly those four lines, sorted, with planned and live values (phone numbers as [secret]); exit 1, nothing written",
        "check mode (issue #27): the edited plan applied, then four edits by hand.its result file for monitoring: the counts, the time of the check, the differences",
        "check mode (issue #27): the edited plan applied, then four edits by hand.the apply repairs exactly those four: the move back, the extra domain admin removed, the leaver disabled, the number",
        "check mode (issue #27): the edited plan applied, then four edits by hand.then the check exits 0",
        "check mode (issue #27): the edited plan applied, then four edits by hand.a privileged group has no tolerance: a group the plan does not name in Domain Admins is drift",
        'check mode (issue #27): the edited plan applied, then four edits by hand.a DC in another language ("Administrateur"): the privileged group is reported, never repaired (nobody removed)',
        "check mode (issue #27): the edited plan applied, then four edits by hand.bad input exits 2, naming the file, the key and the fix; nothing read",
        "onboarding (issue #24): new people's passwords generated here, delivered in a sheet only the readers read.dev from an empty directory: one sheet, a row per created person with the password their account got, which they must change",
        "onboarding (issue #24): new people's passwords generated here, delivered in a sheet only the readers read.the folder gets the readers' ACL and the share (read for the readers only) once, before the first person is created",
        "onboarding (issue #24): new people's passwords generated here, delivered in a sheet only the readers read.its output names the sheet and its readers, never a password",
        "onboarding (issue #24): new people's passwords generated here, delivered in a sheet only the readers read.the same plan again: nobody created, no new sheet, the share not touched",
        "onboarding (issue #24): new people's passwords generated here, delivered in a sheet only the readers read.a plan without the onboarding key that creates people: refused, nothing written",
        "onboarding (issue #24): new people's passwords generated here, delivered in a sheet only the readers read.retention: the sheets older than the plan's days are deleted by name, the recent ones and other files kept",
        "onboarding (issue #24): new people's passwords generated here, delivered in a sheet only the readers read.New-BilluInitialPassword: 300 passwords of 20, at least 3 digits, upper, lower and a symbol (AD complexity), no vowel, all different",
        "Apply-Gpo.ps1 on prod's Windows DCs: a new domain, a re-run, drift.a new domain: creates the ten GPOs once, with every planned value, file, version, filter and link, and the wallpaper",
        "Apply-Gpo.ps1 on prod's Windows DCs: a new domain, a re-run, drift.a second run: no write, no version bumped, and it says so",
        "Apply-Gpo.ps1 on prod's Windows DCs: a new domain, a re-run, drift.drift (a value changed, a value added, GptTmpl.inf edited, Apply given back, two links swapped): repairs exactly that",
        "Apply-Gpo.ps1 on prod's Windows DCs: a new domain, a re-run, drift.with a windowsLaps GPO added: after the GPOs, the LAPS domain setup with the manifest's OUs and readers and the domain's NetBIOS name",
        "Apply-Gpo.ps1 on prod's Windows DCs: a new domain, a re-run, drift.two GPOs of one display name: stops before any write, saying how to fix it",
        "Registry.pol as the applier reads it.refuses a file without the PReg header, and one cut inside an instruction, naming it",
        "the assets-directory step on a Windows DC: GLPI's service account.no account: creates it enabled, never expiring, with the secret as its password and the helpdesk address as its mail",
        "the assets-directory step on a Windows DC: GLPI's service account.the account as wanted (the bind works, its mail is the helpdesk address): writes nothing",
        "the assets-directory step on a Windows DC: GLPI's service account.a password that no longer binds (the secret changed): reset to the secret",
        "the assets-directory step on a Windows DC: GLPI's service account.another mail on the account: set back to the helpdesk address",
        "backup-run.ps1 on a Windows DC.the rendered settings: the DC, its system state pre-hook, restic over WindowsImageBackup",
        "backup-run.ps1 on a Windows DC.system state first, then restic over its paths with a VSS snapshot, then the result sent; exit 0",
        "backup-run.ps1 on a Windows DC.the result file has the Linux client's fields in its order, and is what was sent",
        "backup-run.ps1 on a Windows DC.wbadmin fails: exit 10, restic backs nothing up, the failed result is still written and sent",
        "backup-run.ps1 on a Windows DC.a wrong repository key: exit 12, no repository created, nothing sent",
        "backup-run.ps1 on a Windows DC.the first run creates the repository, then backs up",
        "backup-run.ps1 on a Windows DC.restic fails during the backup: its exit status, no snapshot in the result",
        "Start-BilluStep.reads every secret from stdin, then makes the folder above the stage root private, once",
        "Start-BilluStep.makes the folder when it is missing (a new host), before installing anything",
        "the Windows DC's domain step (prod, PAR-DC01): zones and DNS records.on a DC just promoted: creates every zone and record the model wants, and nothing else",
        "the Windows DC's domain step (prod, PAR-DC01): zones and DNS records.a second run changes nothing",
        "the Windows DC's domain step (prod, PAR-DC01): zones and DNS records.repairs tampered records (a changed address, a stray second value, a wrong PTR target) and leaves the correct ones alone",
        "the Windows DC's domain step (prod, PAR-DC01): zones and DNS records.after the repair, a run changes nothing",
        "the Windows DC's domain step (prod, PAR-DC01): forwarders and directory objects.creates every subnet in the model's site, the Linux login groups, the join account with the secret's password and its delegation, once",
        "the Windows DC's domain step (prod, PAR-DC01): forwarders and directory objects.adds each conditional forwarder with the model's servers, and sets one whose servers drifted back to them",
        "the Windows DC's domain step (prod, PAR-DC01): forwarders and directory objects.a domain without Debian members or Linux login: no groups, no join account, and the join secret is never read",
        "the directory drift task (drift-task.ps1, prod's first DC).a new DC: registers the task as SYSTEM, running the installed check against the installed plan with the model's verdict path and interval, and makes the verdict's folder",
        "the directory drift task (drift-task.ps1, prod's first DC).a second run (the task as registered): registers nothing, and says so",
        "the directory drift task (drift-task.ps1, prod's first DC).a schedule changed in the model (every 15 minutes): the task is replaced with the new interval",
        "the directory drift task (drift-task.ps1, prod's first DC).a task someone changed by hand (another account, another command): replaced by the planned one",
        "the Windows file server's shares.ps1 (dev, PAR-FS01 on Windows): folders, NTFS ACLs, SMB shares.on the new volume: creates every share's folder, its ACL and its share with the plan's groups",
        "the Windows file server's shares.ps1 (dev, PAR-FS01 on Windows): folders, NTFS ACLs, SMB shares.a second run writes nothing",
        "the Windows file server's shares.ps1 (dev with five home folders, PAR-FS01 on Windows): drift repaired, and only that.repairs what drifted (a group added to a folder, a share's access widened, access-based enumeration off), and only that",
        "the Windows file server's shares.ps1 (dev with five home folders, PAR-FS01 on Windows): drift repaired, and only that.after the repair, a run writes nothing",
        "the Windows file server's shares.ps1 (dev with five home folders, PAR-FS01 on Windows): drift repaired, and only that.the home share: a leaver's folder kept and reported, an arrival's folder made, a folder opened to others closed again; only those written",
        "shares.ps1 with a trust grant's share (prod, PAR-FS01 on Windows): the grant's group gets the granted access, nobody else of the partner.the grant's group unknown to the domain (the trust step has not run): stops naming it, before writing anything",
        "shares.ps1 with a trust grant's share (prod, PAR-FS01 on Windows): the grant's group gets the granted access, nobody else of the partner.creates the trust share's folder with the group's rights (protected: SYSTEM, the admins, the group) and its SMB share with the group's access",
        "shares.ps1 with a trust grant's share (prod, PAR-FS01 on Windows): the grant's group gets the granted access, nobody else of the partner.a second run writes nothing",
        "shares.ps1 with a trust grant's share (prod, PAR-FS01 on Windows): the grant's group gets the granted access, nobody else of the partner.the group widened by hand (Modify on the folder, Change on the share): both put back to the grant's access, and only on that share",
        "the Windows file server's storage.ps1 (dev, PAR-FS01 on Windows): the Storage Spaces mirror.the plan wants two data disks of one size",
        "the Windows file server's storage.ps1 (dev, PAR-FS01 on Windows): the Storage Spaces mirror.over exactly two blank poolable disks of the planned size: creates the pool and the two-way mirror once, NTFS on the planned letter",
        "the Windows file server's storage.ps1 (dev, PAR-FS01 on Windows): the Storage Spaces mirror.a second run, with the mirror present: creates nothing",
        "the Windows file server's storage.ps1 (dev, PAR-FS01 on Windows): the Storage Spaces mirror.an unhealthy mirror: reported, never re-created",
        "the Windows file server's storage.ps1: disks that do not match the plan are refused, nothing created.refuses two disks one GiB smaller than planned",
        "the Windows file server's storage.ps1: disks that do not match the plan are refused, nothing created.refuses one disk of the planned size and one larger",
        "the Windows file server's storage.ps1: disks that do not match the plan are refused, nothing created.refuses a single disk of the planned size",
        "the Windows file server's storage.ps1: disks that do not match the plan are refused, nothing created.refuses three disks of the planned size",
        "the Windows file server's storage.ps1: disks that do not match the plan are refused, nothing created.refuses two disks of the planned size when one cannot be pooled (a pool elsewhere holds it)",
        "the Windows trust step.renders prod's partner, direction and options",
        "the Windows trust step.creates this half once, with the password from the secret, then sets selective authentication and SID filtering",
        "the Windows trust step.puts back selective authentication turned off by hand",
        "the Windows trust step.validates with the right password and not with a wrong one",
        "the Windows trust step.creates each grant's domain-local group and, once valid, adds the partner's admin group to it once",
        'the GLPI agent startup script (dev\'s GPO "BillU - Agent GLPI").dev as committed (no Sha256 value): installs nothing, downloads nothing, and logs what to set',
        "the GLPI agent startup script (dev's GPO \"BillU - Agent GLPI\").pinned: downloads the model's MSI, checks its hash, installs it for GLPI's endpoint with the model's tag, once",
        'the GLPI agent startup script (dev\'s GPO "BillU - Agent GLPI").an MSI whose hash is not the pinned one: deleted, not installed, and logged with both hashes',
        'the GLPI agent startup script (dev\'s GPO "BillU - Agent GLPI").the service gone, or another server in the GPO: installs again',
        'the GLPI agent startup script (dev\'s GPO "BillU - Agent GLPI").msiexec fails: nothing recorded as installed, so the next boot tries again',
        "Invoke-BilluLapsSetup on prod's Windows DCs with a LAPS GPO: a new forest, a re-run, drift.a new forest: extends the schema once, then on each OU of the model the computers write and the readers read",
        "Invoke-BilluLapsSetup on prod's Windows DCs with a LAPS GPO: a new forest, a re-run, drift.a second run: no write, nothing said",
        "Invoke-BilluLapsSetup on prod's Windows DCs with a LAPS GPO: a new forest, a re-run, drift.drift (the write by SELF removed on the first OU, a reader on the last): repairs exactly that",
        "Invoke-BilluLapsSetup on prod's Windows DCs with a LAPS GPO: a new forest, a re-run, drift.the schema still without the attribute after the update (not a Schema Admin): stops, saying so, before any OU",
        "the Windows DC's mail-directory step (prod, PAR-DC01): the mail domain's TXT records.writes SPF, DMARC and DKIM (with the key it is given) as the model states them",
        "the Windows DC's mail-directory step (prod, PAR-DC01): the mail domain's TXT records.a second run changes nothing",
        "the Windows DC's mail-directory step (prod, PAR-DC01): the mail domain's TXT records.replaces a DMARC record of another policy, keeps a TXT record of another tag at the same name",
        "the Windows DC's mail-directory step (prod, PAR-DC01): the mail service account.a password that no longer binds (the secret changed): reset to the secret, the account not recreated",
        "the Windows DC's mail-directory step (prod, PAR-DC01): the mail service account.a password that binds: left alone",
        "the Windows Zabbix agent (agent-windows.ps1, prod's PAR-DC01).the rendered settings: the host, the Zabbix server's address, the model's MSI URL; no hash pinned in prod yet",
        "the Windows Zabbix agent (agent-windows.ps1, prod's PAR-DC01).no SHA-256 pinned (prod as committed): downloads, installs, writes and opens nothing, says so and names the key to set; the base step goes on",
        "the Windows Zabbix agent (agent-windows.ps1, prod's PAR-DC01).an MSI whose SHA-256 is not the pinned one: deleted, never installed",
        "the Windows Zabbix agent (agent-windows.ps1, prod's PAR-DC01).a new host: the MSI checked and installed without its own firewall exception, then the key and the configuration, the rule to the server only, one restart",
        "the Windows Zabbix agent (agent-windows.ps1, prod's PAR-DC01).a second run: downloads, installs, writes and restarts nothing",
        "the Windows Zabbix agent (agent-windows.ps1, prod's PAR-DC01).a changed configuration: written over the installed one, the agent restarted, the MSI left alone",
        "the Windows Zabbix agent (agent-windows.ps1, prod's PAR-DC01).a rule that drifted (opened to any address), a stopped agent: the rule set back to the server only, the agent started",
        "the Windows Zabbix agent (agent-windows.ps1, prod's PAR-DC01).a new pinned hash (an upgrade): the new MSI installed over the old one, the agent restarted",
        "the domain password policy and PSOs (Apply-PasswordPolicy.ps1).a new domain (Windows defaults, no PSO): sets every differing setting once, creates each PSO and applies it to its subjects",
        "the domain password policy and PSOs (Apply-PasswordPolicy.ps1).a domain as planned: no write, and it says so",
        "the domain password policy and PSOs (Apply-PasswordPolicy.ps1).a PSO not in the plan is removed; a changed precedence is set; a subject too many is unapplied, a missing one applied",
        "the first Windows DC's site-ca step (prod).publishes the CA with certutil -dspublish -f (its DER file) RootCA, once, then a second run changes nothing",
        "the first Windows DC's site-ca step (prod).a new CA of the same name: certutil publishes it again, the object holds only the new certificate",
        "the first Windows DC's site-ca step (prod).an object holding two certificates (ours and another) is published again",
        "the first Windows DC's site-ca step (prod).certutil failing stops the step with its exit code",
        "the Windows client's client-join step (dev, PAR-CLI02).dev's Windows client: PAR-CLI02, in its department's computers OU",
        "the Windows client's client-join step (dev, PAR-CLI02).not joined (a fresh clone, a generated name): DNS to the DCs, Add-Computer once into the exact OU as the join account, renamed, then a detached reboot",
        "the Windows client's client-join step (dev, PAR-CLI02).not joined, already named: no rename",
        "the Windows client's client-join step (dev, PAR-CLI02).already a member of the domain: no Add-Computer, no reboot, the secret never read",
        "the Windows client's client-join step (dev, PAR-CLI02).a member of another domain: stops with the exact error, joins nothing",
        "the Windows client's client-join step (dev, PAR-CLI02).the password is in no output line and in no argument string",
        "the Windows client's client-rsop step (dev, PAR-CLI02).a member: gpupdate /target:computer /force, then gpresult /scope computer /x, whose XML is the output between the marks",
        "the Windows client's client-rsop step (dev, PAR-CLI02).not a member (the join has not run): the exact error, no gpupdate",
        "the Windows client's client-rsop step (dev, PAR-CLI02).gpupdate fails: the exact error, no RSoP reported",
        "the Windows DCs' dc step (prod): promotion.prod has a first DC and others",
        "the Windows DCs' dc step (prod): promotion.the first DC, a standalone server: installs the features and creates the forest once, with the model's names",
        "the Windows DCs' dc step (prod): promotion.the first DC: the passwords reach the cmdlets only as SecureStrings from Get-BilluSecret, never as argument strings",
        "the Windows DCs' dc step (prod): promotion.a DC that already is one (DomainRole 4 or 5), first or not, is not promoted again",
        "the Windows DCs' dc step (prod): promotion.the other DCs, member servers: join the domain from the first DC, in the model's site, with the Administrator's credential",
        "the Windows DCs' fsmo step (prod): each role moves to the DC the model gives it, only when held elsewhere.on every DC in turn: moves exactly the roles held elsewhere, each once, to the DC that must hold it",
        "the Windows DCs' fsmo step (prod): each role moves to the DC the model gives it, only when held elsewhere.a second run moves nothing",
        "the Windows DCs' fsmo step (prod): each role moves to the DC the model gives it, only when held elsewhere.one role of a DC held elsewhere, its other role in place: moves only that one",
        "the Windows DCs' ready step (prod): after the reboot.waits, bounded, until ADWS runs and Get-ADDomain answers for the domain, then configures",
        "the Windows DCs' ready step (prod): after the reboot.AD DS never ready (another domain answers): fails with the DC's name after 20 minutes, having changed nothing",
        "the Windows DCs' ready step (prod): after the reboot.on every DC: the DNS client, the LDAPS certificate from the step's secrets, the model's forwarders; a second run changes nothing",
        "the Windows DCs' ready step (prod): after the reboot.time: the PDC emulator follows the model's outside NTP servers, every other DC the domain hierarchy",
        "the Windows DCs' ready step (prod): after the reboot.the first DC renames Default-First-Site-Name to the model's site, once; the other DCs never touch the sites",
        "the WSUS step (wsus.ps1, prod's PAR-WSUS01).a new server: features, the content volume, postinstall, then upstream, languages, targeting, products, classifications, groups, rules and schedule, exactly once each",
        "the WSUS step (wsus.ps1, prod's PAR-WSUS01).a second run: writes nothing, and says so",
        "the WSUS step (wsus.ps1, prod's PAR-WSUS01).drift (a planned product unticked, another ticked, a rule changed, a group deleted): repairs exactly those",
        "the WSUS step (wsus.ps1, prod's PAR-WSUS01).after the repair, a run writes nothing",
        "the WSUS step (wsus.ps1, prod's PAR-WSUS01).a rule whose target groups alone drifted: repaired, nothing else written",
        "the WSUS step over HTTPS and its cleanup task: drift repaired exactly, nothing else written.the cleanup task already registered, unchanged: not registered again, and the run says nothing to change",
        "the WSUS step over HTTPS and its cleanup task: drift repaired exactly, nothing else written.the cleanup task moved to another time by hand: replaced with the planned one, nothing else",
        "the WSUS step over HTTPS and its cleanup task: drift repaired exactly, nothing else written.the cleanup task with one switch dropped by hand, or on another day: replaced",
        "the WSUS step over HTTPS and its cleanup task: drift repaired exactly, nothing else written.a renewed server certificate: imported and bound in place of the old one (removed first), nothing else",
        "the WSUS step over HTTPS and its cleanup task: drift repaired exactly, nothing else written.SSL no longer required on one service, and the https binding deleted: exactly those restored",
        "the WSUS step over HTTPS and its cleanup task: drift repaired exactly, nothing else written.SSL flags kept with client certificates negotiated: Ssl is there, nothing written",
        "the WSUS step over HTTPS and its cleanup task: drift repaired exactly, nothing else written.wsusutil configuressl undone (the setup key names another host): run again with the FQDN, nothing else",
        "the PEM importer the WSUS step shares with the Windows DC (windows-ldaps-cert.ps1), on a real certificate and SEC1 key.imports the certificate with its private key into LocalMachine\\My once; the second call finds it and adds nothing",
        "the PEM importer the WSUS step shares with the Windows DC (windows-ldaps-cert.ps1), on a real certificate and SEC1 key.a key that is not SEC1 P-384 (an RSA key): refused, nothing stored",
        "the WSUS step: bad input stops it with the fix, before the lists are written.a product WSUS does not know by that name: names the key and where to read the right title",
        "the WSUS step: bad input stops it with the fix, before the lists are written.content already elsewhere: refuses to run postinstall again, naming wsusutil movecontent",
        "the WSUS step: bad input stops it with the fix, before the lists are written.ssl planned but no certificate given: stops after postinstall, naming the secrets, before any HTTPS or API call",
        "the WSUS step: bad input stops it with the fix, before the lists are written.wsusutil configuressl failing: stops with its exit code, before the API",
    ]);
});
