/**
 * DHCP: a client of a department zone gets its lease in the zone's planned scope with the planned options, through
 * the router's relay, as a workstation there does (billu:dhcp, model/dhcp.ts). The run needs a probe interface on that
 * zone's network (`--dhcp-probe <interface>@<zone>`, the NIC of the host running it, or of a probe host); the client
 * is busybox's udhcpc with a script that only records what the server offered: the interface is never configured. Its
 * release on quitting (-R) is unicast from the leased address, which the unconfigured interface does not have, so it
 * does not reach the server (labs/dhcp: no DHCP4_RELEASE): the address stays leased until the lease expires. What it expects comes from the
 * DHCP plan (pool, gateway, DNS and NTP servers, domain, lease timers, the servers' addresses), never from the server.
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import type { DhcpScope } from "../../../model/dhcp";
import type { SiteModel } from "../../../model/site";
import { execTool, lastLine } from "../exec";
import type { Check, Scenario } from "../types";

/** udhcpc's bound: a DISCOVER a second, up to this many (then "no lease"). */
export const DHCP_TRIES = 5;

/** The udhcpc script: on bound, the offered options in a file (busybox exports them; 58/59 as hex opt58/opt59). */
export const UDHCPC_SCRIPT = [
    "#!/bin/sh",
    "case \"$1\" in bound) printf 'ip=%s\\nrouter=%s\\ndns=%s\\nntpsrv=%s\\ndomain=%s\\nsearch=%s\\nserverid=%s\\nlease=%s\\nt1=%s\\nt2=%s\\n' \\",
    '    "$ip" "$router" "$dns" "$ntpsrv" "$domain" "$search" "$serverid" "$lease" "$((0x${opt58:-0}))" "$((0x${opt59:-0}))" >"$BILLU_LEASE_OUT" ;; esac',
    "exit 0",
    "",
].join("\n");

export type Lease = Readonly<Record<"ip" | "router" | "dns" | "ntpsrv" | "domain" | "search" | "serverid" | "lease" | "t1" | "t2", string>>;

export function parseLease(text: string): Lease {
    const get = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(text)?.[1] ?? "";
    return {
        ip: get("ip"),
        router: get("router"),
        dns: get("dns"),
        ntpsrv: get("ntpsrv"),
        domain: get("domain"),
        search: get("search"),
        serverid: get("serverid"),
        lease: get("lease"),
        t1: get("t1"),
        t2: get("t2"),
    };
}

const ipNum = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);

/** The probe as `--dhcp-probe` gives it, checked against the plan: a reason instead when it names no scope. */
export function dhcpProbeOf(model: SiteModel, probe: string): { iface: string; scope: DhcpScope } | { reason: string } {
    const m = /^([A-Za-z0-9_.:-]{1,15})@([A-Za-z0-9_-]+)$/.exec(probe);
    const scopes = model.dhcp?.scopes ?? [];
    if (!m) return { reason: `${JSON.stringify(probe)} is not <interface>@<zone>` };
    const scope = scopes.find((s) => s.zone === m[2]);
    if (!scope) return { reason: `${JSON.stringify(m[2])} is not a zone with a DHCP scope (${scopes.map((s) => s.zone).join(", ")})` };
    return { iface: m[1], scope };
}

/** What the lease should say, from the plan: one line per option group, compared as text. */
export function judgeLease(model: SiteModel, scope: DhcpScope, l: Lease): { pool: string[]; options: string[]; timers: string[] } {
    const d = model.dhcp!;
    const n = ipNum(l.ip);
    const reserved = scope.reservations.map((r) => r.address);
    const inPool = l.ip !== "" && (reserved.includes(l.ip) || (n >= ipNum(scope.poolStart) && n <= ipNum(scope.poolEnd)));
    const servers = d.servers.map((s) => s.address);
    const pool = [
        ...(inPool ? [] : [`address ${l.ip || "(none)"} outside the pool ${scope.poolStart}-${scope.poolEnd}`]),
        ...(servers.includes(l.serverid) ? [] : [`server ${l.serverid || "(none)"} is not a DHCP server of the model (${servers.join(", ")})`]),
    ];
    const want: [string, string, string][] = [
        ["router", l.router, scope.gateway],
        ["DNS", l.dns, d.dnsServers.join(" ")],
        ["NTP", l.ntpsrv, d.ntpServers.join(" ")],
        ["domain", l.domain, d.domain],
        ["search", l.search, d.domain],
    ];
    const options = want.filter(([, got, exp]) => got !== exp).map(([k, got, exp]) => `${k} ${got || "(none)"}, not ${exp}`);
    const timers = (
        [
            ["lease", l.lease, d.lease.validSeconds],
            ["T1", l.t1, d.lease.renewSeconds],
            ["T2", l.t2, d.lease.rebindSeconds],
        ] as const
    )
        .filter(([, got, exp]) => got !== String(exp))
        .map(([k, got, exp]) => `${k} ${got || "(none)"} s, not ${exp} s`);
    return { pool, options, timers };
}

export const dhcpScenario: Scenario = {
    name: "dhcp",
    title: "a client of a department zone gets its lease in the planned scope with the planned options, through the relay",
    skip: (m, opts) =>
        !m.dhcp?.scopes.length
            ? "the site has no DHCP scope"
            : !opts?.dhcpProbe
              ? "no probe interface on a department network: give --dhcp-probe <interface>@<zone> (a NIC of the run's host on that zone)"
              : undefined,
    checks: (input) => {
        const probe = dhcpProbeOf(input.model, input.dhcpProbe ?? "");
        if ("reason" in probe)
            return [{ name: "DHCP probe", expected: "a zone with a DHCP scope", contacts: [], run: async () => ({ ok: false, observed: probe.reason }) }];
        const { iface, scope } = probe;
        const d = input.model.dhcp!;
        let lease: Lease | undefined;
        const leaseOut = path.join(input.workDir, "dhcp-lease");
        const judged = () => (lease ? judgeLease(input.model, scope, lease) : undefined);
        const needLease = (k: "pool" | "options" | "timers", ok: string) => async () => {
            const j = judged();
            if (!j) return { ok: false, observed: "no lease (see the first step)" };
            return j[k].length === 0 ? { ok: true, observed: ok } : { ok: false, observed: j[k].join("; ") };
        };
        const relay = `the relay ${scope.relayAddress} (${input.model.router.name})`;
        return [
            {
                name: `DHCP: a lease on ${iface} in ${scope.zone} through ${relay}`,
                expected: `a lease from ${d.servers.map((s) => s.address).join(" or ")} within ${DHCP_TRIES} s`,
                contacts: [`broadcast on ${iface} (${scope.zone}), relayed to ${d.servers.map((s) => s.address).join(", ")}`],
                run: async () => {
                    const script = path.join(input.workDir, "udhcpc.sh");
                    writeFileSync(script, UDHCPC_SCRIPT, { mode: 0o700 });
                    writeFileSync(leaseOut, "");
                    const r = await execTool(
                        "busybox",
                        [
                            "udhcpc",
                            "-i",
                            iface,
                            "-f",
                            "-q",
                            "-R",
                            "-n",
                            "-t",
                            String(DHCP_TRIES),
                            "-T",
                            "1",
                            "-A",
                            "1",
                            "-O",
                            "search",
                            "-O",
                            "ntpsrv",
                            "-s",
                            script,
                        ],
                        { env: { BILLU_LEASE_OUT: leaseOut }, timeoutMs: (DHCP_TRIES + 5) * 1000 },
                    );
                    const text = readFileSync(leaseOut, "utf8");
                    if (!text.includes("ip=")) return { ok: false, observed: `no lease within ${DHCP_TRIES} s (udhcpc exit ${r.code}: ${lastLine(r.out)})` };
                    lease = parseLease(text);
                    return { ok: true, observed: `${lease.ip} from ${lease.serverid}` };
                },
            },
            {
                name: `DHCP: the address is in ${scope.zone}'s pool, from a server of the model`,
                expected: `${scope.poolStart}-${scope.poolEnd} (or a reservation), from ${d.servers.map((s) => s.address).join(" or ")}`,
                contacts: ["nothing (it judges the first step's lease)"],
                run: needLease("pool", `in ${scope.poolStart}-${scope.poolEnd}`),
            },
            {
                name: `DHCP: the options of ${scope.zone}'s scope`,
                expected: `router ${scope.gateway}, DNS and NTP ${d.dnsServers.join(" ")}, domain and search ${d.domain}`,
                contacts: ["nothing (it judges the first step's lease)"],
                run: needLease("options", `router ${scope.gateway}, DNS and NTP ${d.dnsServers.join(" ")}, domain and search ${d.domain}`),
            },
            {
                name: "DHCP: the lease timers of billu:dhcp.lease",
                expected: `lease ${d.lease.validSeconds} s, T1 ${d.lease.renewSeconds} s, T2 ${d.lease.rebindSeconds} s`,
                contacts: ["nothing (it judges the first step's lease)"],
                run: needLease("timers", `lease ${d.lease.validSeconds} s, T1 ${d.lease.renewSeconds} s, T2 ${d.lease.rebindSeconds} s`),
            },
        ] satisfies Check[];
    },
};
