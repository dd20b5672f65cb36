/**
 * "On every host": what a service runs on every host of the site (or the hosts it names), added to the one base
 * step each host has (components/base-server/base-step.ts). A service declares the need in its descriptor (an
 * `every-host` requirement, model/services/types.ts); its component renders the need for one host, registered in
 * components/registry.ts (`everyHost`), which the site hands to every host's base step through the context.
 */
import * as pulumi from "@pulumi/pulumi";
import { isWindows } from "../../model/core";
import type { HostModel, SiteModel } from "../../model/site";
import type { GuestDir, GuestFile } from "../guest-step/render";

/** What one need adds to one host's base step: files, folders, a script fragment, secrets. */
export interface BaseExtension {
    readonly files: readonly GuestFile[];
    readonly dirs?: readonly GuestDir[];
    /** POSIX sh on Linux, PowerShell on Windows; idempotent; runs after the base's own lines. */
    readonly script: string;
    /** Secrets its files or script use (`{{secret:<name>}}`); names must be unique on the host. */
    readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * A fact the policy pack reads (components/contracts.ts): the base step gets a child component of this type,
     * named `<step>-<name>`, whose inputs and outputs are `props`, so the fact exists only where the step ships the
     * extension. @default none
     */
    readonly fact?: { readonly type: string; readonly name: string; readonly props: object };
}

/**
 * Renders a need for one host, or says why it cannot (an OS the service has no agent for). The shared resources a
 * renderer needs (a certificate from the site CA, a generated key) are made by its service's component and given
 * through `resources`, keyed by the need's name.
 */
export type EveryHostRenderer = (model: SiteModel, host: HostModel, resources: unknown) => BaseExtension | { readonly unsupported: string };

/** The needs that apply to a host, in the order the services declared them. */
export function needsOf(model: SiteModel, host: HostModel): string[] {
    return [...new Set(model.everyHost.filter((a) => !a.need.hosts || a.need.hosts.includes(host.name)).map((a) => a.need.need))];
}

/**
 * The extensions of one host's base step. A need without a renderer is a programming error; a need the host's OS
 * cannot run is an error too (the service must name the hosts it applies to).
 */
export function extensionsFor(
    model: SiteModel,
    host: HostModel,
    resources: ReadonlyMap<string, unknown> = new Map(),
    renderers: Readonly<Record<string, EveryHostRenderer>> = {},
): BaseExtension[] {
    return needsOf(model, host).map((need) => {
        const render = renderers[need];
        if (!render) throw new Error(`internal: the every-host need ${need} has no renderer in components/registry.ts`);
        const out = render(model, host, resources.get(need));
        if ("unsupported" in out) {
            throw new Error(
                `internal: the every-host need ${need} cannot run on ${host.name} (${isWindows(host.os) ? "Windows" : host.os}): ${out.unsupported}`,
            );
        }
        return out;
    });
}
