/**
 * prod pins the Windows Zabbix agent's MSI: the program (stacks/program.ts `requirePinnedWindowsAgent`) stops a prod
 * stack with Windows hosts to monitor and no `billu:monitoring.windowsAgent.sha256` before any resource exists, naming
 * the key, the hosts, the MSI and the command. Offline synth, which cannot download the MSI, lets the committed prod
 * stack through; dev and a pinned prod go on.
 */
import { requirePinnedWindowsAgent } from "../../stacks/program";
import { model, stackRaw, thrownProblems } from "../helpers";

const problems = thrownProblems;
const prodRaw = stackRaw("prod");
const HASH = "ab".repeat(32);
const withAgent = (raw: Record<string, any>, windowsAgent: Record<string, unknown>) => ({
    ...raw,
    monitoring: { ...raw.monitoring, windowsAgent: { ...raw.monitoring?.windowsAgent, ...windowsAgent } },
});

test("prod without the MSI's SHA-256 stops (preview and up), naming the key, the Windows hosts, the MSI and the fix", () => {
    expect(problems(() => requirePinnedWindowsAgent(model(prodRaw), false))).toEqual([
        "billu:monitoring.windowsAgent.sha256: is not set, but this prod stack installs Zabbix agent 2 6.0.14 on PAR-DC01, PAR-DC02, PAR-DC03, PAR-WSUS01 from " +
            "https://cdn.zabbix.com/zabbix/binaries/stable/6.0/6.0.14/zabbix_agent2-6.0.14-windows-amd64-openssl.msi, and their base step installs no MSI " +
            "it cannot check against a pinned hash. Fix: download the MSI once on a trusted machine, read its hash (Get-FileHash <file> -Algorithm SHA256, " +
            "or sha256sum <file>) and pin it: pulumi config set --path 'billu:monitoring.windowsAgent.sha256' <its 64 hex digits>",
    ]);
});

test("prod with the hash pinned goes on; offline synth of the committed prod stack goes on; dev (no Windows host) goes on", () => {
    expect(problems(() => requirePinnedWindowsAgent(model(withAgent(prodRaw, { sha256: HASH })), false))).toEqual([]);
    expect(problems(() => requirePinnedWindowsAgent(model(prodRaw), true))).toEqual([]);
    expect(problems(() => requirePinnedWindowsAgent(model(stackRaw("dev")), false))).toEqual([]);
});

test("the same Windows hosts in a dev environment are not held to it (their step warns and installs nothing)", () => {
    const devEnv = { ...prodRaw, site: { ...prodRaw.site, environment: "dev" } };
    expect(problems(() => requirePinnedWindowsAgent(model(devEnv), false))).toEqual([]);
});
