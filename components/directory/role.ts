/**
 * The directory's builder: the site (stacks/site.ts) builds one Directory once the domain is up; this is the one place
 * that reads the site context for it and hands the component what it uses (issue 15, narrow component inputs).
 */
import { directoryService } from "../../model/services/directory";
import { configOf } from "../../model/services/types";
import { FileServerPlan, homeDirectoriesOf } from "../../model/fileserver";
import { ipPhonesOf, TelephonyPlan } from "../../model/telephony";
import { builtVm, guestAccess, SiteContext } from "../context";
import { DirectoryArgs, directoryFlavor } from "./Directory";

/** The Directory's args from the site context: its plan, the DC that creates the forest and its VM, the domain's readiness. */
export function directoryArgs(ctx: SiteContext): DirectoryArgs {
    const { model } = ctx;
    const plan = model.directory;
    // The DC that creates the forest (the domain model's order), else the first host of role dc.
    const first = model.domain?.dcs.find((d) => d.first)?.name;
    const dc = first !== undefined ? model.host(first) : model.hostsByRole("dc")[0];
    // The site builds the directory only when the model has both: anything else is a bug of the caller.
    if (!plan || !dc) throw new Error("internal: a Directory needs the model's directory plan and a host of role dc");
    const cfg = configOf(directoryService, model.config)!;
    return {
        ...guestAccess(ctx),
        plan,
        dc,
        dcVm: builtVm(ctx, dc.name),
        flavor: model.domain?.flavor ?? directoryFlavor(dc),
        domainReady: ctx.after.domain,
        sources: { hrCsv: cfg.hrCsv, lock: cfg.lock },
        // The extensions meet the directory in the model (the pbx plan), not through the telephony component.
        ipPhones: ipPhonesOf(model.plan<TelephonyPlan>("pbx")),
        // The home share's folders meet the accounts in the model too (the file server's plan).
        homes: homeDirectoriesOf(model.plan<FileServerPlan[]>("fileserver"), model.domain?.fqdn),
    };
}
