import * as pulumi from "@pulumi/pulumi";
import { FileServerPlan } from "../../model/fileserver";
import { HostModel, SiteModel } from "../../model/site";
import { BaseServer } from "../base-server/BaseServer";
import { connectionTo, GuestAccessArgs, SiteServerArgs } from "../context";
import { GuestFile } from "../guest-step/render";
import { GuestStep } from "../guest-step/GuestStep";
import {
    raidScript,
    RAID_SCRIPT_PATH,
    raidStepScript,
    renderHealthPs1,
    renderKrb5Conf,
    renderMdadmConf,
    renderMountUnit,
    renderMsmtprc,
    renderNsswitch,
    renderRaidConf,
    renderSharesConf,
    renderSharesPs1,
    renderSmbConf,
    renderSmbdDropIn,
    renderStoragePs1,
    sambaStepScript,
    sharesScript,
    sharesStepScript,
    SHARES_SCRIPT_PATH,
    SMB_CONF_CHECK,
    WINDOWS_DIR,
    windowsStepScript,
} from "./render";

export interface FileServerRaid1Args extends GuestAccessArgs {
    /** The site's model: the domain the shares' groups live in (krb5.conf, smb.conf), the admin address alerts go to. */
    readonly model: SiteModel;
    /** The file server host of the model (role fileserver: an OS disk and two data disks). */
    readonly host: HostModel;
    /** Its plan from the model (`model.fileservers`): the mirror, the shares and their groups. */
    readonly plan: FileServerPlan;
    /**
     * What this server's BaseServer takes from the site (its VM, base step and domain join): the model, the render
     * folder and guest access, the router's and the domain's readiness, the join password, the every-host needs.
     * Nothing else of this component reads it.
     */
    readonly baseServer: SiteServerArgs;
    /** The domain's readiness (forest, DCs, DNS records): the `samba` step (Windows: `fileserver`) waits for it. */
    readonly domainReady: readonly pulumi.Resource[];
    /**
     * An account allowed to join computers to the domain, used once when the Linux flavor's Samba is not yet a
     * member (`net ads join`; the password reaches the guest on stdin only). The fileserver role passes the domain's
     * join account (`billu:domain.joinAccount`, its password from the dc role) when the site has one. @default none:
     * the server must already be a member (the Samba step stops with a message saying so)
     */
    readonly domainJoin?: { readonly user: string; readonly password: pulumi.Input<string> };
}

/**
 * BillU's file server: a VM with an OS disk and two data disks of the same size on two distinct datastores, the
 * disks mirrored, and one share per department plus a common one, with AD permissions.
 * - `linux` flavor (Debian 12): step `raid1` installs the packages and runs billu-raid1 (mdadm RAID 1, ext4,
 *   mount; mdadm.conf and the initramfs so the array assembles at boot; mdadm --monitor mails the admin address);
 *   step `samba` (after the domain) joins the domain and configures Samba as a member server; step `shares`
 *   (`shares()`, after the directory and the trust) runs billu-shares (folders and POSIX ACLs from the plan).
 * - `windows` flavor: step `fileserver` runs PowerShell rendered from the same plan: a Storage Spaces two-way
 *   mirror and an hourly health task that mails the admin address; step `shares` (`shares()`) the SMB shares with
 *   NTFS ACLs.
 * Stateful: in prod the VM (and with it its disks) is protected from replacement and deletion (ProxmoxVm).
 */
export class FileServerRaid1 extends pulumi.ComponentResource {
    public readonly server: BaseServer;
    /** The server's last step before its shares (Linux: `samba`, Windows: `fileserver`); the `shares` step waits for it. */
    public readonly ready: pulumi.Resource[];

    private readonly componentName: string;
    private readonly args: FileServerRaid1Args;

    constructor(name: string, args: FileServerRaid1Args, opts?: pulumi.ComponentResourceOptions) {
        super("billu:fileserver:FileServerRaid1", name, {}, opts);
        this.componentName = name;
        this.args = args;
        const { model, host, plan, domainJoin } = args;
        // Samba joins the domain itself (winbind, with `domainJoin`): no SSSD join of the BaseServer.
        this.server = new BaseServer(name, { ...args.baseServer, host, sssdJoin: false }, { parent: this });
        const connection = connectionTo(args, host, this.server.vm.vm);
        if (plan.flavor === "linux") {
            const mount = renderMountUnit(plan);
            const msmtprc = renderMsmtprc(model, plan);
            const raidFiles: GuestFile[] = [
                { path: RAID_SCRIPT_PATH, content: raidScript(), mode: "0755" },
                { path: "/etc/billu/raid1.conf", content: renderRaidConf(plan) },
                { path: "/etc/mdadm/mdadm.conf", content: renderMdadmConf(model, plan) },
                { path: `/etc/systemd/system/${mount.name}`, content: mount.content },
                ...(msmtprc ? [{ path: "/etc/msmtprc", content: msmtprc }] : []),
            ];
            const raid = new GuestStep(
                `${name}-raid1`,
                {
                    host: host.name,
                    step: "raid1",
                    os: "linux",
                    connection,
                    renderDir: args.renderDir,
                    after: this.server.ready,
                    files: raidFiles,
                    script: raidStepScript(mount.name, msmtprc !== undefined),
                },
                { parent: this },
            );
            const samba = new GuestStep(
                `${name}-samba`,
                {
                    host: host.name,
                    step: "samba",
                    os: "linux",
                    connection,
                    renderDir: args.renderDir,
                    after: [raid.apply, ...args.domainReady],
                    files: [
                        { path: "/etc/krb5.conf", content: renderKrb5Conf(model, plan) },
                        { path: "/etc/nsswitch.conf", content: renderNsswitch(plan) },
                        { path: "/etc/samba/smb.conf", content: renderSmbConf(model, plan), check: SMB_CONF_CHECK },
                        { path: "/etc/systemd/system/smbd.service.d/billu-shares.conf", content: renderSmbdDropIn(plan) },
                    ],
                    script: sambaStepScript(model, plan, domainJoin?.user),
                    secrets: domainJoin ? ["domain-join"] : undefined,
                    secretValues: domainJoin ? { "domain-join": domainJoin.password } : undefined,
                },
                { parent: this },
            );
            this.ready = [samba.apply];
        } else {
            const step = new GuestStep(
                `${name}-fileserver`,
                {
                    host: host.name,
                    step: "fileserver",
                    os: "windows",
                    connection,
                    renderDir: args.renderDir,
                    after: [...this.server.ready, ...args.domainReady],
                    files: [
                        { path: `${WINDOWS_DIR}/storage.ps1`, content: renderStoragePs1(plan, host) },
                        { path: `${WINDOWS_DIR}/health.ps1`, content: renderHealthPs1(model, plan) },
                    ],
                    script: windowsStepScript(model, plan),
                },
                { parent: this },
            );
            this.ready = [step.apply];
        }
        this.registerOutputs({});
    }

    /**
     * The `shares` step: the share folders and their ACLs (Linux: billu-shares from shares.conf; Windows: shares.ps1),
     * after this server's own last step and `after`. Built by the fileserver role's site-wide pass once the directory
     * step (the departments' groups, the home share's accounts) and the trust step (the grants' groups) exist, so a
     * first `pulumi up` runs DCs -> directory -> trust -> shares and never meets a group that is not made yet.
     */
    public shares(after: readonly pulumi.Resource[]): GuestStep {
        const { host, plan } = this.args;
        const linux = plan.flavor === "linux";
        return new GuestStep(
            `${this.componentName}-shares`,
            {
                host: host.name,
                step: "shares",
                os: linux ? "linux" : "windows",
                connection: connectionTo(this.args, host, this.server.vm.vm),
                renderDir: this.args.renderDir,
                after: [...this.ready, ...after],
                files: linux
                    ? [
                          { path: SHARES_SCRIPT_PATH, content: sharesScript(), mode: "0755" },
                          { path: "/etc/billu/shares.conf", content: renderSharesConf(plan) },
                      ]
                    : [{ path: `${WINDOWS_DIR}/shares.ps1`, content: renderSharesPs1(plan) }],
                script: sharesStepScript(this.args.model, plan),
            },
            { parent: this },
        );
    }
}
