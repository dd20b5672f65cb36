/** Pure renderers of the base configuration every Debian server gets. */
import { HostModel, SiteModel } from "../../model/site";
import { generatedHeader } from "../header";

/** chrony follows the domain: the DCs when the site has them (the PDC emulator syncs outside), else the router. */
export function renderChrony(model: SiteModel, host: HostModel): string {
    const dcs = model.hostsByRole("dc").filter((h) => h.name !== host.name);
    const planned = model.guestResolvers?.get(host.name)?.ntp;
    // The time sources the flow matrix lets this host reach (model/guest-resolvers.ts): the DCs, or the upstream servers.
    const sources =
        planned ?? (dcs.length > 0 ? dcs.map((h) => h.address) : [model.router.nics.find((n) => n.zone === host.zone)?.address ?? model.router.address]);
    const followsDomain = dcs.length > 0 && sources.every((s) => dcs.some((d) => d.address === s));
    return [
        generatedHeader("#", {
            host: host.name,
            what: `time follows ${followsDomain ? "the domain" : "the site's upstream servers (the flow matrix lets it reach no DC)"}.`,
        }),
        ...sources.map((s) => `server ${s} iburst`),
        "driftfile /var/lib/chrony/chrony.drift",
        "makestep 1.0 3",
        "rtcsync",
        "",
    ].join("\n");
}

export function renderMotd(model: SiteModel, host: HostModel): string {
    return [
        `${host.name} - ${model.site.company} ${host.role} (${model.site.environment})`,
        "Managed by Pulumi (project billu-infra). Local changes are overwritten by the next `pulumi up`.",
        "",
    ].join("\n");
}
