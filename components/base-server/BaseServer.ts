import * as pulumi from "@pulumi/pulumi";
import { isWindows } from "../../model/core";
import { HostModel } from "../../model/site";
import { connectionTo, SiteServerArgs } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import { vmForHost } from "../proxmox-vm/forHost";
import { ProxmoxVm } from "../proxmox-vm/ProxmoxVm";
import { siteBaseStep } from "./base-step";
import { memberJoinStep } from "./member";
import { DOMAIN_JOIN_SECRET } from "../contracts";

/**
 * What a BaseServer takes: from the site (SiteServerArgs: the model for the VM's plan and the domain, the render folder
 * and guest access, the router's and the domain's readiness its steps wait for, the join password and the every-host
 * needs), its host, and whether it joins the domain with SSSD.
 */
export interface BaseServerArgs extends SiteServerArgs {
    /** The server's host of the model: its VM, its base step and, with `joinDomain`, its domain join. */
    readonly host: HostModel;
    /**
     * Join the domain with SSSD (step `ad-join`) when the host says `joinDomain`. A role whose own software joins the
     * domain turns it off: the file server's Samba joins through winbind, and two joins would fight over the machine
     * account's password. @default true
     */
    readonly sssdJoin?: boolean;
}

/**
 * A server of the model: its VM and, on Debian, the base step (time from the domain, login banner). Role
 * components build on it and order their own steps after `ready`.
 */
export class BaseServer extends pulumi.ComponentResource {
    public readonly vm: ProxmoxVm;
    /** The base step (components/base-server/base-step.ts): every Debian host; a Windows host with an every-host need. */
    public readonly base?: GuestStep;
    /** The domain join (Debian hosts with `joinDomain: true`), after the domain is up. */
    public readonly join?: GuestStep;
    /** Everything the role's own steps must wait for: the VM, its base step and the router's configuration. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: BaseServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:compute:BaseServer", name, {}, opts);
        const { host, model } = args;
        this.vm = vmForHost(args, host, { parent: this });
        this.base = siteBaseStep(name, args, host, this.vm.vm, [this.vm, ...args.routerReady], { parent: this });
        if (this.base && !isWindows(host.os) && host.joinDomain && args.sssdJoin !== false && model.domain && args.domainJoin) {
            const text = memberJoinStep(model.domain, host);
            this.join = new GuestStep(
                `${name}-ad-join`,
                {
                    host: host.name,
                    step: "ad-join",
                    os: "linux",
                    connection: connectionTo(args, host, this.vm.vm),
                    renderDir: args.renderDir,
                    after: [this.base.apply, ...args.domainReady],
                    ...text,
                    secretValues: { [DOMAIN_JOIN_SECRET]: args.domainJoin.password },
                },
                { parent: this },
            );
        }
        this.ready = this.join ? [this.join.apply] : this.base ? [this.base.apply] : [this.vm, ...args.routerReady];
        this.registerOutputs({});
    }
}
