import { portOf } from "../../model/ports";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DomainController as DcModel, DomainModel } from "../../model/domain";
import { HostModel } from "../../model/site";
import { connectionTo, SiteHostArgs } from "../context";
import type { SiteCa } from "../site-ca/SiteCa";
import { GuestStep } from "../guest-step/GuestStep";
import { StepSpec, stepScript } from "../guest-step/render";
import { vmForHost } from "../proxmox-vm/forHost";
import { siteBaseStep } from "../base-server/base-step";
import { ProxmoxVm } from "../proxmox-vm/ProxmoxVm";
import { conditionalForwarders, dcByName, domainOf, SECRET } from "./common";
import { sambaDcStep, sambaDomainStep, sambaFsmoStep } from "./samba";
import { sambaForwardersStep } from "./samba-forwarders";
import { sambaSysvolSteps, SYSVOL_SECRET } from "./sysvol";
import { sambaSiteCaStep, windowsSiteCaStep } from "./site-ca";
import { withAdminLoginCheck, withDomainAdminLogin } from "./admin-login";
import { REBOOT_MARK, windowsDcStep, windowsDomainStep, windowsFsmoStep, windowsReadyStep } from "./windows";

/** The domain's generated passwords (secret outputs of @pulumi/random). */
export interface DomainSecrets {
    readonly admin: pulumi.Output<string>;
    /** Windows only: Directory Services Restore Mode. */
    readonly dsrm?: pulumi.Output<string>;
    /** Present when Debian members join. */
    readonly join?: pulumi.Output<string>;
}

/**
 * What a DC takes: from the site (SiteHostArgs: the model for the domain, the DCs' resolvers and the VM's plan, the
 * render folder and guest access, the router's readiness promotion waits for, the every-host needs of its base step),
 * the site CA, and its own host, secrets and order.
 */
export interface DomainControllerArgs extends SiteHostArgs {
    /** The site CA: it issues the DC's LDAPS certificate, and its certificate is the domain's trust anchor. */
    readonly ca: SiteCa;
    /** The DC's host in the model. */
    readonly host: HostModel;
    /** The domain's generated passwords (the Domain component makes them): administrator, DSRM, join account. */
    readonly secrets: DomainSecrets;
    /** What promotion waits for besides the VM and the router: the DC before it (joining DCs). @default none */
    readonly after?: readonly pulumi.Resource[];
}

/**
 * One domain controller: its VM, its LDAPS certificate from the site CA, and its promotion. The first DC of
 * the model creates the forest, the others join it (`after` orders them). Samba: one step (`dc`). Windows: `dc`
 * (promote, no reboot inside), a bounded wait for the detached reboot, then `ready` (AD web services and
 * Get-ADDomain answer; LDAPS, DNS forwarders, time). `promoted` is what later steps wait for.
 */
export class DomainController extends pulumi.ComponentResource {
    public readonly vm: ProxmoxVm;
    public readonly dc: DcModel;
    /** The DC is a working, replicating DC. */
    public readonly promoted: pulumi.Resource;
    /** Its base step (components/base-server/base-step.ts): a Samba DC always, a Windows DC with an every-host need. */
    public readonly base?: GuestStep;

    constructor(name: string, args: DomainControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:domain:DomainController", name, {}, opts);
        const { host, model, ca } = args;
        const domain = domainOf(model);
        this.dc = dcByName(domain, host.name);
        this.vm = vmForHost(args, host, { parent: this });
        const cert = ca.issue(
            `${name}-ldaps`,
            { commonName: this.dc.fqdn, dnsNames: [this.dc.fqdn, domain.fqdn], ipAddresses: [this.dc.address] },
            { parent: this },
        );
        const values = {
            [SECRET.admin]: args.secrets.admin,
            [SECRET.dsrm]: args.secrets.dsrm,
            [SECRET.join]: args.secrets.join,
            [SECRET.ldapsCert]: cert.certPem,
            [SECRET.ldapsKey]: cert.privateKeyPem,
            [SECRET.caCert]: ca.certPem,
        };
        const step = (role: string, text: StepSpec, after: readonly pulumi.Resource[]) =>
            new GuestStep(
                `${name}-${role}`,
                {
                    host: host.name,
                    step: role,
                    os: domain.flavor === "samba" ? "linux" : "windows",
                    connection: connectionTo(args, host, this.vm.vm),
                    renderDir: args.renderDir,
                    ...text,
                    secretValues: values,
                    after,
                },
                { parent: this },
            );
        const first = [this.vm, ...args.routerReady, ...(args.after ?? [])];
        if (domain.flavor === "samba") {
            this.promoted = step(
                "dc",
                sambaDcStep(domain, this.dc, model.guestResolvers?.get(host.name)?.dns ?? domain.forwarders, conditionalForwarders(model)),
                first,
            ).apply;
        } else {
            const adminUser = args.adminUser;
            // The admin's key login survives promotion (admin-login.ts): a joining DC checks before it promotes.
            const promote = step("dc", withAdminLoginCheck(windowsDcStep(domain, this.dc), domain, this.dc, adminUser), first);
            // The promotion's reboot is detached; wait from outside for the SSH port to drop and come back
            // (bounded), so the next step never lands in the session the reboot kills.
            const rebootWait = new command.local.Command(
                `${name}-reboot-wait`,
                {
                    create: renderRebootWait(this.dc),
                    interpreter: ["/bin/bash", "-c"],
                    environment: { BILLU_REBOOT: promote.apply.stdout.apply((s) => (s.includes(REBOOT_MARK) ? "1" : "0")) },
                    triggers: [promote.hash],
                },
                { parent: this, dependsOn: [promote.apply] },
            );
            // ... and the first DC makes the admin a domain admin before any other DC promotes.
            this.promoted = step("ready", withDomainAdminLogin(windowsReadyStep(domain, this.dc), domain, this.dc, adminUser), [rebootWait]).apply;
        }
        // The one base step every host has, once the DC answers for itself (it resolves through itself then).
        this.base = siteBaseStep(name, args, host, this.vm.vm, [this.promoted], { parent: this });
        this.registerOutputs({});
    }
}

/**
 * bash run on the Pulumi machine: when the promotion scheduled a reboot, wait for SSH to go down, then up (the logic
 * is scripts/dc/reboot-wait.sh, read verbatim after the DC's name and address).
 */
export function renderRebootWait(dc: DcModel): string {
    return stepScript("linux", "dc/reboot-wait.sh", { DC_NAME: dc.name, DC_ADDRESS: dc.address, SSH_PORT: String(portOf("ssh")) });
}

/**
 * What the domain takes from the site (SiteHostArgs: the model's `domain` with its realm, DCs, FSMO placement, DNS
 * records and join account, the render folder and guest access, the router's readiness the first promotion waits
 * for, the every-host needs of the DCs' base steps), and the site CA.
 */
export interface DomainArgs extends SiteHostArgs {
    /** The site CA: it issues each DC's LDAPS certificate; its certificate is published in AD for Windows members. */
    readonly ca: SiteCa;
}

/**
 * The AD domain of a site: the generated passwords, every DC (the first creates the forest, the others join in
 * model order), the FSMO roles moved where the config puts them, then DNS records, subnets, login groups and the
 * join account, then the site CA published for Windows members (step `site-ca`). `ready` is the end of that chain: everything needing the domain waits for it.
 */
export class Domain extends pulumi.ComponentResource {
    public readonly controllers: DomainController[];
    public readonly ready: pulumi.Resource;
    /** The join account's password (secret), for Debian members' `ad-join` steps. */
    public readonly joinPassword?: pulumi.Output<string>;

    constructor(name: string, args: DomainArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:domain:Domain", name, {}, opts);
        const { model } = args;
        const domain: DomainModel = domainOf(model);
        const password = (role: string) =>
            new random.RandomPassword(
                `${name}-${role}-password`,
                // Three character classes for AD's complexity rule; specials that no shell or parser mistakes.
                { length: 24, special: true, overrideSpecial: "-_.:+=", minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 1 },
                { parent: this },
            ).result;
        const secrets: DomainSecrets = {
            admin: password("admin"),
            dsrm: domain.flavor === "windows" ? password("dsrm") : undefined,
            join: domain.members.length > 0 ? password("join") : undefined,
        };
        this.joinPassword = secrets.join;
        // DC1 creates the forest; each other DC joins after the one before it (one join at a time).
        this.controllers = [];
        for (const dc of domain.dcs) {
            const prev = this.controllers[this.controllers.length - 1];
            this.controllers.push(
                new DomainController(dc.label, { ...args, host: model.host(dc.name), secrets, after: prev ? [prev.promoted] : [] }, { parent: this }),
            );
        }
        // SYSVOL between Samba DCs (./sysvol.ts): the rsync user's password, shared by the PDC emulator and the others.
        const sysvolSteps = domain.flavor === "samba" ? sambaSysvolSteps(domain) : [];
        const sysvolPassword =
            sysvolSteps.length > 0 ? new random.RandomPassword(`${name}-sysvol-password`, { length: 32, special: false }, { parent: this }).result : undefined;
        const values = { [SECRET.admin]: secrets.admin, [SECRET.join]: secrets.join, [SYSVOL_SECRET]: sysvolPassword, [SECRET.caCert]: args.ca.certPem };
        const vmOf = (host: string): pulumi.Resource => {
            const c = this.controllers.find((x) => x.dc.name === host);
            if (!c) throw new Error(`internal: a domain step on ${host}, which is not one of the domain's DCs`);
            return c.vm.vm;
        };
        const step = (child: string, stepName: string, host: string, text: StepSpec, after: readonly pulumi.Resource[]) =>
            new GuestStep(
                `${name}-${child}`,
                {
                    host,
                    step: stepName,
                    os: domain.flavor === "samba" ? "linux" : "windows",
                    connection: connectionTo(args, model.host(host), vmOf(host)),
                    renderDir: args.renderDir,
                    ...text,
                    secretValues: values,
                    after,
                },
                { parent: this },
            );
        // FSMO after every DC is in, one DC at a time.
        let last: pulumi.Resource = this.controllers[this.controllers.length - 1].promoted;
        // A Samba domain's conditional forwarders: unbound on each DC (components/domain-controller/samba-forwarders.ts).
        const forwarders = conditionalForwarders(model);
        if (domain.flavor === "samba" && forwarders.length > 0) {
            for (const c of this.controllers)
                last = step(`dns-forward-${c.dc.label}`, "dns-forward", c.dc.name, sambaForwardersStep(domain, c.dc, forwarders), [last]).apply;
        }
        for (const c of this.controllers) {
            if (c.dc.roles.length === 0) continue;
            const text = domain.flavor === "samba" ? sambaFsmoStep(domain, c.dc) : windowsFsmoStep(domain, c.dc);
            last = step(`fsmo-${c.dc.label}`, "fsmo", c.dc.name, text, [last]).apply;
        }
        // SYSVOL replication (./sysvol.ts), once the PDC emulator holds its role: its source step before the domain step,
        // so everything after the domain (the gpo step's sysvolreset on the PDC emulator) finds every GPO's folder there.
        const [source, ...pulls] = sysvolSteps;
        if (source) last = step(`${source[1]}-${source[0].label}`, source[1], source[0].name, source[2], [last]).apply;
        const first = domain.dcs[0];
        const records = step(
            "domain",
            "domain",
            first.name,
            domain.flavor === "samba" ? sambaDomainStep(domain, first) : windowsDomainStep(domain, conditionalForwarders(model)),
            [last],
        );
        this.ready = records.apply;
        // The site CA in AD's Certification Authorities container (./site-ca.ts), after the domain step. Nothing waits
        // for it: Windows members take it at their own Group Policy refresh, which no step orders.
        step("site-ca", "site-ca", first.name, domain.flavor === "samba" ? sambaSiteCaStep(domain) : windowsSiteCaStep(domain), [records.apply]);
        // ... and each other DC's pull after it. Nothing waits for them: the pull runs on its timer.
        let pullAfter: pulumi.Resource = records.apply;
        for (const [dc, stepName, text] of pulls) pullAfter = step(`${stepName}-${dc.label}`, stepName, dc.name, text, [pullAfter]).apply;
        this.registerOutputs({});
    }
}
