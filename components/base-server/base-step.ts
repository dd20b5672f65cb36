/**
 * The one base step every host gets (`base`): on Debian the login banner and, unless the host serves time itself
 * (a DC), chrony from the time sources the flow matrix allows; on every OS what the services need on every host
 * (components/base-server/every-host.ts). The router, the DCs and every server build it the same way; a Windows
 * host with no need gets none (its banner and time come from the domain).
 */
import * as pulumi from "@pulumi/pulumi";
import { isWindows } from "../../model/core";
import type { HostModel, SiteModel } from "../../model/site";
import { GuestConnection, GuestStep } from "../guest-step/GuestStep";
import { GuestDir, GuestFile, stepScript } from "../guest-step/render";
import { connectionTo, SiteHostArgs } from "../context";
import { BaseExtension, extensionsFor } from "./every-host";
import { renderChrony, renderMotd } from "./render";

export interface BaseStepContent {
    readonly os: "linux" | "windows";
    readonly files: readonly GuestFile[];
    readonly dirs: readonly GuestDir[];
    readonly script: string;
    readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
    /** The policy facts of its extensions (BaseExtension.fact). */
    readonly facts: readonly NonNullable<BaseExtension["fact"]>[];
}

/** A policy fact carried by a step: a component whose inputs and outputs are the fact (CrossGuard sees either). */
class StepFact extends pulumi.ComponentResource {
    constructor(type: string, name: string, props: object, opts: pulumi.ComponentResourceOptions) {
        super(type, name, { ...props }, opts);
        this.registerOutputs({ ...props });
    }
}

/** Pure: the base step's content for one host, or undefined when it has nothing to do. */
export function baseStepContent(model: SiteModel, host: HostModel, extensions: readonly BaseExtension[]): BaseStepContent | undefined {
    const windows = isWindows(host.os);
    const ownTime = host.role === "dc";
    const files: GuestFile[] = windows
        ? []
        : [
              ...(ownTime ? [] : [{ path: "/etc/chrony/chrony.conf", content: renderChrony(model, host) }]),
              { path: "/etc/motd", content: renderMotd(model, host) },
          ];
    // scripts/base/base.sh: chrony installed, enabled, restarted when its configuration changed.
    const script: string[] = windows || ownTime ? [] : [stepScript("linux", "base/base.sh").replace(/\n$/, "")];
    const secrets: Record<string, pulumi.Input<string>> = {};
    const dirs: GuestDir[] = [];
    const facts: NonNullable<BaseExtension["fact"]>[] = [];
    for (const e of extensions) {
        if (e.fact) facts.push(e.fact);
        files.push(...e.files);
        dirs.push(...(e.dirs ?? []));
        script.push(e.script);
        for (const [k, v] of Object.entries(e.secrets ?? {})) {
            if (k in secrets) throw new Error(`internal: two every-host needs on ${host.name} use the secret ${k}`);
            secrets[k] = v;
        }
    }
    if (files.length === 0 && script.length === 0) return undefined;
    return { os: windows ? "windows" : "linux", files, dirs, script: script.join("\n"), secrets, facts };
}

export interface BaseStepArgs {
    /** The site's model: the time sources the flow matrix allows, the banner's site name. */
    readonly model: SiteModel;
    /** The host the step configures (its OS picks Debian's or Windows' content; a DC serves time itself). */
    readonly host: HostModel;
    /** How the step reaches the guest (connectionTo). */
    readonly connection: GuestConnection;
    /** Local folder for rendered files. */
    readonly renderDir: string;
    /** What the step waits for: the VM and the router; on a DC its promotion; on the router its ruleset. */
    readonly after: readonly pulumi.Resource[];
    /** The every-host extensions of this host (extensionsFor). @default none */
    readonly extensions?: readonly BaseExtension[];
}

/** The base step of a host (undefined when it has nothing to do: a Windows host with no every-host need). */
export function baseStep(name: string, args: BaseStepArgs, opts: pulumi.ComponentResourceOptions): GuestStep | undefined {
    const content = baseStepContent(args.model, args.host, args.extensions ?? []);
    if (!content) return undefined;
    const step = new GuestStep(
        `${name}-base`,
        {
            host: args.host.name,
            step: "base",
            os: content.os,
            connection: args.connection,
            renderDir: args.renderDir,
            after: args.after,
            files: content.files,
            dirs: content.dirs.length > 0 ? content.dirs : undefined,
            script: content.script,
            secrets: Object.keys(content.secrets).length > 0 ? Object.keys(content.secrets) : undefined,
            secretValues: Object.keys(content.secrets).length > 0 ? content.secrets : undefined,
        },
        opts,
    );
    for (const f of content.facts) new StepFact(f.type, `${name}-base-${f.name}`, f.props, { parent: step });
    return step;
}

/**
 * The base step of a site's host, its every-host extensions from the site's renderers and resources: what BaseServer,
 * the DCs and the router each build, after what they name.
 */
export function siteBaseStep(
    name: string,
    site: SiteHostArgs,
    host: HostModel,
    vm: pulumi.Resource,
    after: readonly pulumi.Resource[],
    opts: pulumi.ComponentResourceOptions,
): GuestStep | undefined {
    return baseStep(
        name,
        {
            model: site.model,
            host,
            connection: connectionTo(site, host, vm),
            renderDir: site.renderDir,
            after,
            extensions: extensionsFor(site.model, host, site.everyHostResources, site.everyHostRenderers),
        },
        opts,
    );
}
