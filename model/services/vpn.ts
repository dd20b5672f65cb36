/** This site's end of the site-to-site tunnel (`billu:vpn`), model/vpn.ts. */
import { validateVpn, VpnConfig, VpnLocal, vpnSchema } from "../vpn";
import { defineService } from "./types";

export const vpnService = defineService<VpnConfig, VpnLocal>({
    key: "vpn",
    title: "the site-to-site VPN",
    config: { vpn: vpnSchema.optional() },
    after: [],
    plan: ({ config, core, problems }) =>
        validateVpn(
            config,
            {
                site: core.site,
                zones: core.zones,
                router: core.router,
                dcAddresses: core.hosts.filter((h) => h.role === "dc").map((h) => h.address),
                hosts: core.hosts,
            },
            problems,
        ),
});
