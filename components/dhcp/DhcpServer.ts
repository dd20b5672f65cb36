import * as pulumi from "@pulumi/pulumi";
import { HostModel } from "../../model/site";
import { BaseServer } from "../base-server/BaseServer";
import { connectionFor, SiteContext } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import { HA_TLS_SECRETS, haTlsFiles, KEA, renderKeaDhcp4, renderRelayUnit, RELAY_UNIT } from "./render";

export interface DhcpServerArgs {
    readonly ctx: SiteContext;
    /** A host of role dhcp; its scopes, options and HA peer come from `ctx.model.dhcp`. */
    readonly host: HostModel;
    /** More steps this server's Kea configuration waits for (the primary's, for the standby: a rolling restart). @default none */
    readonly after?: readonly pulumi.Resource[];
}

/**
 * A DHCP server of the site: its Debian VM and base step (BaseServer, under the same name so the VM keeps the name
 * the foundation gave it), then Kea DHCPv4 (package step, then the configuration step). The configuration is
 * checked with `kea-dhcp4 -t` before it replaces the installed one; the service is enabled and restarted only
 * when its configuration changed. Kea steps wait for the router's and the domain's configuration.
 */
export class DhcpServer extends pulumi.ComponentResource {
    public readonly server: BaseServer;
    /** The Kea configuration step: depend on it to order later steps after this server is serving. */
    public readonly kea: GuestStep;

    constructor(name: string, args: DhcpServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:dhcp:DhcpServer", name, {}, opts);
        const { ctx, host } = args;
        this.server = new BaseServer(name, { ctx, host }, { parent: this });
        const common = { host: host.name, os: "linux" as const, connection: connectionFor(ctx, host), renderDir: ctx.renderDir };
        // The package first: the configuration step's check runs kea-dhcp4 before its body could install it.
        const packages = new GuestStep(
            `${name}-kea-packages`,
            {
                ...common,
                step: "kea-packages",
                after: [...this.server.ready, ...ctx.after.domain],
                files: [],
                script: "command -v kea-dhcp4 >/dev/null || billu_apt_install kea-dhcp4-server",
            },
            { parent: this },
        );
        // An HA pair authenticates its peer API with certificates of the site CA (client and server auth).
        const tlsFiles = haTlsFiles(ctx.model);
        let secrets: Record<string, pulumi.Input<string>> | undefined;
        if (tlsFiles.length > 0) {
            const cert = ctx.ca.issue(`${name}-kea-ha`, {
                commonName: host.name,
                dnsNames: [`${host.name.toLowerCase()}.${ctx.model.site.domain}`],
                ipAddresses: [host.address],
                allowedUses: ["digital_signature", "server_auth", "client_auth"],
            });
            secrets = { [HA_TLS_SECRETS.ca]: ctx.ca.certPem, [HA_TLS_SECRETS.cert]: cert.certPem, [HA_TLS_SECRETS.key]: cert.privateKeyPem };
        }
        const files = [...tlsFiles, { path: KEA.config, content: renderKeaDhcp4(ctx.model, host.name), check: "kea-dhcp4 -t {}" }];
        this.kea = new GuestStep(
            `${name}-kea`,
            {
                ...common,
                step: "kea",
                after: [packages.apply, ...(args.after ?? [])],
                files,
                secrets: secrets ? Object.keys(secrets) : undefined,
                secretValues: secrets,
                script: [
                    "systemctl enable -q kea-dhcp4-server",
                    `if billu_changed ${files.map((f) => f.path).join(" ")}; then systemctl restart kea-dhcp4-server; billu_log 'kea-dhcp4 restarted';`,
                    "elif ! systemctl is-active -q kea-dhcp4-server; then systemctl start kea-dhcp4-server; fi",
                    "# Kea's unit is Type=simple: wait (bounded) until it has loaded the configuration and opened its socket.",
                    "i=0",
                    `until systemctl is-active -q kea-dhcp4-server && [ -S ${KEA.controlSocket} ]; do`,
                    "    i=$((i + 1)); [ \"$i\" -le 50 ] || billu_die 'kea-dhcp4-server is not running: see journalctl -u kea-dhcp4-server'",
                    "    sleep 0.2",
                    "done",
                ].join("\n"),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}

export interface DhcpRelayArgs {
    readonly ctx: SiteContext;
    /** What the relay waits for: the router's configuration and the DHCP servers' Kea steps. */
    readonly after: readonly pulumi.Resource[];
}

/**
 * The DHCP relay on the router: ISC dhcrelay as its own systemd unit, from every served zone's router interface to
 * the DHCP server(s). A guest step of the router host, separate from the router's own (nftables) step.
 */
export class DhcpRelay extends pulumi.ComponentResource {
    public readonly step: GuestStep;

    constructor(name: string, args: DhcpRelayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:dhcp:DhcpRelay", name, {}, opts);
        const { ctx } = args;
        const router = ctx.model.router;
        const unit = RELAY_UNIT.slice(RELAY_UNIT.lastIndexOf("/") + 1);
        this.step = new GuestStep(
            `${name}-step`,
            {
                host: router.name,
                step: "dhcp-relay",
                os: "linux",
                connection: connectionFor(ctx, router),
                renderDir: ctx.renderDir,
                after: [...args.after],
                files: [{ path: RELAY_UNIT, content: renderRelayUnit(ctx.model) }],
                script: [
                    "# The package's SysV service would start a second relay from debconf's answers (and rewrite its options",
                    "# on upgrades): mask it, before the package is installed, so only our unit runs.",
                    '[ "$(systemctl is-enabled isc-dhcp-relay.service 2>/dev/null)" = masked ] || systemctl mask -q isc-dhcp-relay.service',
                    "command -v dhcrelay >/dev/null || billu_apt_install isc-dhcp-relay",
                    `if billu_changed ${RELAY_UNIT}; then systemctl daemon-reload; fi`,
                    `systemctl enable -q ${unit}`,
                    `if billu_changed ${RELAY_UNIT}; then systemctl restart ${unit}; billu_log 'dhcrelay restarted';`,
                    `elif ! systemctl is-active -q ${unit}; then systemctl start ${unit}; fi`,
                ].join("\n"),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
