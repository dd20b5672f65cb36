/**
 * The runner pre-flight (#16, adopting a cluster): the verdict on an address (model/runner-access.ts), the CLI
 * against a stack whose endpoint is this machine's loopback (a real UDP connect(), no packet sent), and the
 * program's own guard before `pulumi up` registers anything (stacks/runner-check.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse as parseYaml, stringify } from "yaml";
import { InputError } from "../../model/errors";
import { checkRunnerAddress, runnerCheckMode } from "../../model/runner-access";
import { guardRunner, sourceAddressFor } from "../../stacks/runner-check";
import { runTool } from "../cli";
import { model, ROOT, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "../synth/shared";

const LOCKED_OUT =
    "billu:proxmox.managementAllowlist: does not hold 127.0.0.1, the address this machine uses to reach the Proxmox API https://127.0.0.1:8006/ " +
    "(the list holds 10.20.0.0/24): once the stack turns the datacenter firewall on (input policy DROP), this machine is locked out of the API, SSH and the consoles. " +
    'Fix: run Pulumi from a machine inside one of those networks, or append "127.0.0.1/32" (or its network) to billu:proxmox.managementAllowlist; ' +
    "if the nodes see this machine behind NAT, check the translated address yourself and set billu:proxmox.skipRunnerCheck to true";

describe("the verdict on the runner's address", () => {
    test("inside a network of the list: allowed, with the entry that holds it", () => {
        expect(checkRunnerAddress("10.10.0.37", ["192.0.2.0/24", "10.10.0.0/24"], "https://pve1:8006/")).toEqual({
            address: "10.10.0.37",
            matched: "10.10.0.0/24",
            problems: [],
        });
    });
    test("a single address in the list, and an IPv4 address seen through an IPv6 socket", () => {
        expect(checkRunnerAddress("::ffff:10.10.0.5", ["10.10.0.5"], "https://pve1:8006/")).toEqual({
            address: "10.10.0.5",
            matched: "10.10.0.5",
            problems: [],
        });
    });
    test("the network's edge: the next address is outside", () => {
        const v = checkRunnerAddress("10.10.1.0", ["10.10.0.0/24"], "https://pve1:8006/");
        expect(v.matched).toBeUndefined();
        expect(v.problems.map((p) => p.path)).toEqual(["billu:proxmox.managementAllowlist"]);
    });
    test("an entry that is no address: its own key path", () => {
        expect(checkRunnerAddress("10.10.0.37", ["10.10.0.0/24", "admins"], "https://pve1:8006/").problems).toEqual([
            {
                path: "billu:proxmox.managementAllowlist[1]",
                message: '"admins" is neither an address nor a network',
                fix: "write an address (10.10.0.5) or a network in CIDR form (10.10.0.0/24)",
            },
        ]);
    });
    test("skip under mocks or with the opt-out, warn in a preview, refuse in an update", () => {
        expect(runnerCheckMode({ mocked: true, dryRun: false, optOut: false })).toBe("skip");
        expect(runnerCheckMode({ mocked: false, dryRun: false, optOut: true })).toBe("skip");
        expect(runnerCheckMode({ mocked: false, dryRun: true, optOut: false })).toBe("warn");
        expect(runnerCheckMode({ mocked: false, dryRun: false, optOut: false })).toBe("refuse");
    });
});

describe("the source address", () => {
    test("is the loopback for a loopback endpoint (connect() picks the route, sends nothing)", async () => {
        await expect(sourceAddressFor("https://127.0.0.1:8006/")).resolves.toBe("127.0.0.1");
    });
    test("a name that does not resolve: exit-2 problem on proxmoxve:endpoint", async () => {
        await expect(sourceAddressFor("https://pve1.invalid:8006/")).rejects.toThrow(
            'proxmoxve:endpoint: "https://pve1.invalid:8006/": pve1.invalid does not resolve on this machine (ENOTFOUND). ' +
                "Fix: make the endpoint's name resolve on this machine (an /etc/hosts entry, not the stack's own DCs) or use the node's address",
        );
    });
});

describe("npm run preflight", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-preflight-"));
    const stackFile = (name: string, allowlist: string[]): string => {
        const doc = parseYaml(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
        doc.config["proxmoxve:endpoint"] = "https://127.0.0.1:8006/";
        doc.config["billu:proxmox"].managementAllowlist = allowlist;
        const file = path.join(dir, `Pulumi.${name}.yaml`);
        writeFileSync(file, stringify(doc));
        return file;
    };
    const run = (args: string[]) => runTool("preflight", args);

    test("a runner outside the allowlist: exit 2, the key path, the address found and the fix", async () => {
        const p = await run(["--stack", "dev", "--config", stackFile("out", ["10.20.0.0/24"])]);
        expect([p.status, p.stdout]).toEqual([2, ""]);
        expect(p.stderr).toBe(`preflight dev: this machine would lock itself out of the cluster:\n  - ${LOCKED_OUT}\n`);
    });
    test("a runner inside: exit 0, saying what it checked", async () => {
        const p = await run(["--stack", "dev", "--config", stackFile("in", ["10.20.0.0/24", "127.0.0.0/8"])]);
        expect([p.status, p.stderr]).toEqual([0, ""]);
        expect(p.stdout).toBe(
            "preflight dev: this machine reaches the Proxmox API https://127.0.0.1:8006/ (127.0.0.1 port 8006) from 127.0.0.1, " +
                "inside billu:proxmox.managementAllowlist (127.0.0.0/8): the datacenter firewall lets it in.\n" +
                "Not checked: an address translated on the way (NAT), and the nodes' existing firewall rules.\n",
        );
    });
    // The built file, run by Node: the tool's entry point.
    test("no --stack: exit 2 with the fix", () => {
        const p = spawnSync(process.execPath, [path.join(ROOT, "dist", "tools", "preflight.js")], { cwd: ROOT, encoding: "utf8" });
        expect([p.status, p.stdout, p.stderr]).toEqual([2, "", "preflight: --stack is required. Fix: npm run preflight -- --stack prod\n"]);
    });
});

describe("the program's guard before pulumi up", () => {
    const withAllowlist = (allowlist: string[], skip?: boolean) => {
        const raw = stackRaw("dev");
        raw.proxmox.managementAllowlist = allowlist;
        if (skip !== undefined) raw.proxmox.skipRunnerCheck = skip;
        return model(raw);
    };
    const endpoint = "https://127.0.0.1:8006/";

    test("an update (not a dry run) from outside the allowlist stops with the problem, before any resource", async () => {
        const err = await guardRunner(withAllowlist(["10.20.0.0/24"]), { mocked: false, dryRun: false, endpoint }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).message).toBe(`this machine would lock itself out of the cluster (1 problem):\n  - ${LOCKED_OUT}`);
    });
    test("a preview warns and goes on", async () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockResolvedValue();
        await expect(guardRunner(withAllowlist(["10.20.0.0/24"]), { mocked: false, dryRun: true, endpoint })).resolves.toBeUndefined();
        expect(warn.mock.calls.map((c) => c[0])).toEqual([
            `this machine would lock itself out of the cluster (1 problem):\n  - ${LOCKED_OUT}\n  (pulumi up stops here; billu:proxmox.skipRunnerCheck: true skips this check)`,
        ]);
        warn.mockRestore();
    });
    test("inside the allowlist, or with the opt-out: nothing", async () => {
        await expect(guardRunner(withAllowlist(["127.0.0.1"]), { mocked: false, dryRun: false, endpoint })).resolves.toBeUndefined();
        await expect(guardRunner(withAllowlist(["10.20.0.0/24"], true), { mocked: false, dryRun: false, endpoint })).resolves.toBeUndefined();
    });
    test("it finds the mock runtime by itself (what synth runs under): no check, even with an endpoint that cannot resolve", async () => {
        pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "billu-infra", "dev", false);
        await expect(guardRunner(withAllowlist(["10.20.0.0/24"]), { endpoint: "https://pve1.invalid:8006/" })).resolves.toBeUndefined();
    });
    test("under the mock runtime (synth, tests) it never dials", async () => {
        await expect(
            guardRunner(withAllowlist(["10.20.0.0/24"]), { mocked: true, dryRun: false, endpoint: "https://pve1.invalid:8006/" }),
        ).resolves.toBeUndefined();
    });
});

describe("the import file that adopts an existing datacenter firewall (prod's synth)", () => {
    test(
        "the existing IP sets and options under the program's names and parents; the rules left out, named",
        async () => {
            const { out } = await committedSynth("prod");
            const { datacenterImports } = await import("../../tools/preflight-import");
            const r = datacenterImports(JSON.parse(readFileSync(path.join(out, "resources.json"), "utf8")).resources);
            expect(r).toEqual({
                resources: [
                    { type: "billu:site:Site", name: "par", component: true },
                    { type: "billu:network:Firewall", name: "par-fw01", component: true, parent: "par" },
                    { type: "billu:network:DatacenterFirewall", name: "par-fw01-datacenter", component: true, parent: "par-fw01" },
                    {
                        type: "proxmoxve:cluster/firewallLegacy:FirewallLegacy",
                        name: "par-fw01-datacenter-options",
                        id: "cluster",
                        parent: "par-fw01-datacenter",
                    },
                    {
                        type: "proxmoxve:firewall/ipsetLegacy:IpsetLegacy",
                        name: "par-fw01-datacenter-management",
                        id: "cluster/management",
                        parent: "par-fw01-datacenter",
                    },
                    {
                        type: "proxmoxve:firewall/ipsetLegacy:IpsetLegacy",
                        name: "par-fw01-datacenter-wan",
                        id: "cluster/billu-wan",
                        parent: "par-fw01-datacenter",
                    },
                ],
                leftOut: ["proxmoxve:firewall/rulesLegacy:RulesLegacy::par-fw01-datacenter-rules"],
            });
        },
        SYNTH_TIMEOUT,
    );
});
