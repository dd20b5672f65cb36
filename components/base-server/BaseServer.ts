import * as pulumi from "@pulumi/pulumi";
import { isWindows } from "../../model/core";
import { HostModel } from "../../model/site";
import { connectionFor, SiteContext } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import { vmForHost } from "../proxmox-vm/forHost";
import { ProxmoxVm } from "../proxmox-vm/ProxmoxVm";
import { siteBaseStep } from "./base-step";
import { memberJoinStep } from "./member";
import { DOMAIN_JOIN_SECRET } from "../contracts";

export interface BaseServerArgs {
    /**
     * The site: the model (the VM's plan, the domain), the render folder and guest connection, the router's and the
     * domain's readiness the steps wait for, the join password (`domainJoin`) and the every-host needs.
     */
    readonly ctx: SiteContext;
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
        const { ctx, host } = args;
        this.vm = vmForHost(ctx, host, { parent: this });
        this.base = siteBaseStep(name, ctx, host, this.vm.vm, [this.vm, ...ctx.after.router], { parent: this });
        if (this.base && !isWindows(host.os) && host.joinDomain && args.sssdJoin !== false && ctx.model.domain && ctx.domainJoin) {
            const text = memberJoinStep(ctx.model.domain, host);
            this.join = new GuestStep(
                `${name}-ad-join`,
                {
                    host: host.name,
                    step: "ad-join",
                    os: "linux",
                    connection: connectionFor(ctx, host, this.vm.vm),
                    renderDir: ctx.renderDir,
                    after: [this.base.apply, ...ctx.after.domain],
                    ...text,
                    secretValues: { [DOMAIN_JOIN_SECRET]: ctx.domainJoin.password },
                },
                { parent: this },
            );
        }
        this.ready = this.join ? [this.join.apply] : this.base ? [this.base.apply] : [this.vm, ...ctx.after.router];
        this.registerOutputs({});
    }
}
