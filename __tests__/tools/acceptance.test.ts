/**
 * The acceptance runner (tools/acceptance.ts, issue #23): --dry-run for every committed stack lists what the model
 * says each scenario checks; bad input is exit 2 with the flag and the fix; the runner bounds every check; the
 * reports say what was expected and observed. The scenarios themselves run against real daemons in labs/dc.
 */
import { createHash } from "crypto";
import { tmpdir } from "os";
import * as path from "path";
import { acceptanceAccount, main } from "../../tools/acceptance";
import { planAcceptance } from "../../model/directory";
import { Problems } from "../../model/errors";
import { junitReport, markdownReport } from "../../tools/acceptance/report";
import { runScenarios } from "../../tools/acceptance/runner";
import type { Scenario, ScenarioResult } from "../../tools/acceptance/types";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { problemsOf, ROOT, stackRaw } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const write = process.stderr.write;
    const saved = { ...process.env };
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
        const code = await main(args, (s) => (out += s));
        return { code, out, err };
    } finally {
        process.chdir(cwd);
        process.stderr.write = write;
        process.env = saved;
    }
}

const modelOf = (stack: string) => loadModel(readBilluConfig(path.join(ROOT, `Pulumi.${stack}.yaml`)));

describe("--dry-run lists every scenario and its steps from the model, contacting nothing", () => {
    test.each(["dev", "prod"])("%s: dns checks every record on every DC, logon every DC and one member, web both sites", async (stack) => {
        const d = modelOf(stack).domain!;
        const r = await run(["--stack", stack, "--dry-run"]);
        expect(r).toMatchObject({ code: 0, err: "" });
        const dnsSteps = d.dcs.length * (d.records.filter((x) => x.a).length + d.records.length + d.extraRecords.length);
        expect(r.out).toContain(`dns: every host's A and PTR record and the services' records, on every DC (${dnsSteps} steps)\n`);
        expect(r.out).toContain(
            `logon: Kerberos, LDAPS bind and SSH logon of the acceptance account (${2 * d.dcs.length + 1} steps; logs on as svc-acceptance)\n`,
        );
        const first = d.records.find((x) => x.a)!;
        expect(r.out).toContain(`    A ${first.name}.${d.fqdn} (asking ${d.dcs[0].name}): expects ${first.address}; contacts ${d.dcs[0].address}\n`);
        expect(r.out).toContain(
            `    SSH to ${d.members[0]} as svc-acceptance with the Kerberos ticket alone: expects svc-acceptance; contacts ${d.members[0].toLowerCase()}.${d.fqdn} (ssh)\n`,
        );
        const w = modelOf(stack).web!;
        expect(r.out).toContain(`web: the public site from the WAN side, the intranet refused from the WAN and served inside (3 steps)\n`);
        expect(r.out).toContain(
            `    intranet site https://${w.intranet.name}/ at ${w.host} (${w.address}): expects 200, its index.html (sha256 ${createHash("sha256")
                .update(w.intranet.files.find((f) => f.path === "index.html")!.content)
                .digest("hex")
                .slice(0, 12)}); contacts ${w.address}:443 (${w.intranet.name})\n`,
        );
        // Only the site's own addresses and names.
        const m = modelOf(stack);
        const own = new Set(m.hosts.flatMap((h) => h.nics.map((n) => n.address)));
        const contacts = [...r.out.matchAll(/contacts (.*)$/gm)].flatMap((x) => x[1].split(", "));
        for (const c of contacts)
            expect([c, own.has(c.split(/[ :]/)[0]) || c.startsWith(`${d.fqdn} `) || c.split(" ")[0].endsWith(`.${d.fqdn}`)]).toEqual([c, true]);
    });
    test("--side wan: the web scenario looks at the router's WAN address (the public DNS's record) and the web server's own listener", async () => {
        const w = modelOf("dev").web!;
        const wan = w.publicRecords[0].value;
        const r = await run(["--stack", "dev", "--dry-run", "--only", "web", "--side", "wan"]);
        expect(r).toMatchObject({ code: 0, err: "" });
        expect([...r.out.matchAll(/contacts (.*)$/gm)].map((x) => x[1])).toEqual([
            `${wan}:443 (${w.public.name})`,
            `${wan}:80 (${w.public.name})`,
            `${wan}:443 (${w.intranet.name})`,
            `${w.address}:443 (${w.intranet.name})`,
        ]);
    });
    test("ecotech has one DC (its domain, for the trust), no member and no mail server: each scenario says why it does not run", async () => {
        const r = await run(["--stack", "ecotech", "--dry-run"]);
        expect(r).toEqual({
            code: 0,
            err: "",
            out: [
                "[logon] not run: the domain has no Linux member to log on to over SSH",
                "[dhcp] not run: the site has no DHCP scope",
                "[mail] not run: the site has no mail server",
                "[shares] not run: the site has no file server",
                "[ftp] not run: the site has no FTP server (billu:ftp)",
                "[web] not run: the site has no web server (billu:web)",
                "[vpn] not run: the flow matrix opens nothing from management to the partner: run it from a host of lan, servers with --zone <zone>",
                "[telephony] not run: the site has no PBX (billu:telephony)",
                "[monitoring] not run: the site has no monitoring server of its own: PAR-MON01, its VPN partner's (billu:monitoring.remoteServer), watches its hosts",
                "[backup] not run: the site has no backup server (billu:backup)",
                "[ticket] not run: the site has no GLPI server (billu:assets)",
                "[gpo] not run: the site has no Group Policy (billu:gpo)",
                "dns: every host's A and PTR record and the services' records, on every DC (6 steps)",
                "    A eco-fw01.ecotech-solutions.lan (asking ECO-DC01): expects 172.20.0.1; contacts 172.20.20.53",
                "    PTR 172.20.0.1 (asking ECO-DC01): expects eco-fw01.ecotech-solutions.lan; contacts 172.20.20.53",
                "    PTR 172.20.10.1 (asking ECO-DC01): expects eco-fw01.ecotech-solutions.lan; contacts 172.20.20.53",
                "    PTR 172.20.20.1 (asking ECO-DC01): expects eco-fw01.ecotech-solutions.lan; contacts 172.20.20.53",
                "    A eco-dc01.ecotech-solutions.lan (asking ECO-DC01): expects 172.20.20.53; contacts 172.20.20.53",
                "    PTR 172.20.20.53 (asking ECO-DC01): expects eco-dc01.ecotech-solutions.lan; contacts 172.20.20.53",
                "",
            ].join("\n"),
        });
    });
    test("--member names the member the logon scenario logs on to; a host that is not a member is refused", async () => {
        const r = await run(["--stack", "dev", "--dry-run", "--only", "logon", "--member", "PAR-MAIL01"]);
        expect(r.out).toContain("SSH to PAR-MAIL01 as svc-acceptance");
        const bad = await run(["--stack", "dev", "--dry-run", "--only", "logon", "--member", "PAR-DC01"]);
        expect(bad).toEqual({
            code: 2,
            out: "",
            err: "acceptance: --member: PAR-DC01 is not a Linux member of billu.remindme.lan. Fix: name one of PAR-DHCP01, PAR-FS01, PAR-MAIL01, PAR-FTP01, PAR-GLPI01, PAR-CLI01\n",
        });
    });
});

describe("bad input: exit 2, the flag and the fix", () => {
    test.each([
        [
            ["--stack", "dev", "--only", "foo"],
            {},
            'acceptance: --only: "foo" is not a scenario. Fix: name scenarios among: dns, logon, dhcp, mail, shares, ftp, web, vpn, telephony, monitoring, backup, ticket, gpo\n',
        ],
        [["--stack", "dev", "--only"], {}, "acceptance: --only: has no value. Fix: give it one: --only <value> (npm run acceptance -- --help lists them)\n"],
        [
            ["--stack", "dev", "--verbose"],
            {},
            'acceptance: --verbose: "--verbose" is not an option of acceptance. Fix: use --stack, --config, --outputs, --only, --report, --account, --member, --host-keys, --side, --dhcp-probe, --zone, --dry-run\n',
        ],
        [
            ["--stack", "dev", "--dhcp-probe", "eth1@servers"],
            {},
            'acceptance: --dhcp-probe: "servers" is not a zone with a DHCP scope (lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com). Fix: give the run\'s NIC on a department network and its zone: --dhcp-probe eth1@lan-dsi\n',
        ],
        [
            ["--stack", "dev", "--dhcp-probe", "lan-dsi"],
            {},
            'acceptance: --dhcp-probe: "lan-dsi" is not <interface>@<zone>. Fix: give the run\'s NIC on a department network and its zone: --dhcp-probe eth1@lan-dsi\n',
        ],
        [
            ["--stack", "prod", "--zone", "lan-x"],
            {},
            'acceptance: --zone: "lan-x" is not a zone of the model. Fix: name the zone the run\'s host stands in: wan, management, servers, dmz, lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com\n',
        ],
        [
            ["--stack", "dev", "--side", "outside"],
            {},
            'acceptance: --side: "outside" is not inside or wan. Fix: leave it out on a host of the site; give wan on a host outside it (the internet)\n',
        ],
        [["--dry-run"], {}, "acceptance: --stack: is required. Fix: npm run acceptance -- --stack dev --dry-run\n"],
        [
            ["--stack", "dev", "--host-keys", "off"],
            {},
            'acceptance: --host-keys: "off" is not pinned or accept-new. Fix: leave it out (the stack\'s knownHosts are pinned); accept-new is for labs\n',
        ],
        [["--stack", "dev", "--only", "logon", "--outputs", "Pulumi.yaml"], {}, expect.stringContaining("acceptance: --outputs: ")],
        [
            ["--stack", "dev", "--only", "logon", "--account", "acc", "--outputs", "package.json"],
            { BILLU_ACCEPTANCE_PASSWORD: undefined },
            "acceptance: --account: acc is given, but BILLU_ACCEPTANCE_PASSWORD is empty. Fix: put the account's password in BILLU_ACCEPTANCE_PASSWORD (never on the command line)\n",
        ],
        [
            // synth's outputs (and `pulumi stack output --json`) hold the password as [secret]
            ["--stack", "dev", "--only", "logon", "--outputs", "__tests__/tools/fixtures/acceptance-outputs-secret.json"],
            { BILLU_ACCEPTANCE_PASSWORD: undefined },
            "acceptance: --outputs: holds acceptancePassword as [secret] (written without --show-secrets). Fix: read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets), or put the password in BILLU_ACCEPTANCE_PASSWORD\n",
        ],
        [
            ["--stack", "dev", "--only", "logon", "--outputs", "package.json"],
            { BILLU_ACCEPTANCE_PASSWORD: undefined },
            "acceptance: --outputs: has no acceptancePassword (logon logs on as svc-acceptance). Fix: read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets), or put the password in BILLU_ACCEPTANCE_PASSWORD\n",
        ],
        [
            ["--stack", "nope"],
            {},
            expect.stringContaining("Pulumi.nope.yaml does not exist. Fix: run it in the project folder, or name the stack file with --config\n"),
        ],
    ])("%j", async (args, env, message) => {
        const r = await run(args as string[], env as Record<string, string | undefined>);
        expect(r).toEqual({ code: 2, out: "", err: message });
    });
});

describe("the acceptance account: the model's (billu:directory.acceptance), its password the outputs' secret", () => {
    const model = modelOf("dev");
    test("the dev model plans svc-acceptance in OU=Acceptance, in the SSH group, enabled", () => {
        const a = model.directory!.acceptance!;
        expect([a.sam, a.dn, a.extraGroups, a.enabled]).toEqual([
            "svc-acceptance",
            "CN=svc-acceptance,OU=Acceptance,OU=BillU,DC=billu,DC=remindme,DC=lan",
            [model.domain!.linuxLogin!.sshGroup],
            true,
        ]);
    });
    test("it has DSI's group (billu:directory.acceptance.department: DSI) and a mailbox, and no person's groups", () => {
        const a = model.directory!.acceptance!;
        expect([a.groups, a.mail]).toEqual([["GG_DSI"], "svc-acceptance@billu.remindme.lan"]);
        // The mail plan serves its mailbox (the mail scenario's address), as it serves the people's.
        expect(model.mail!.accounts.find((x) => x.sam === "svc-acceptance")).toEqual({ sam: "svc-acceptance", mail: a.mail, enabled: true });
    });
    test("without a department it joins no managed group; mailbox: false leaves its address empty", () => {
        const problems = new Problems();
        const a = planAcceptance({ account: "svc-acceptance", ou: "Acceptance", enabled: true, mailbox: false }, model.directory!, {}, problems);
        expect([a?.groups, a?.mail, problems.count]).toEqual([[], "", 0]);
    });
    test.each(["dev", "prod"])(
        "%s: the management zone, where the run stands, must reach the mail server and the file server (the directory asks)",
        (stack) => {
            const raw = stackRaw(stack);
            const acceptanceFlow = (f: { from: string; to: string; service: string }) =>
                f.from === "management" &&
                ((f.to === "PAR-MAIL01" && ["submission", "imaps"].includes(f.service)) || (f.to === "PAR-FS01" && f.service === "smb"));
            expect(raw.flows.filter(acceptanceFlow)).toHaveLength(3);
            raw.flows = raw.flows.filter((f: { from: string; to: string; service: string }) => !acceptanceFlow(f));
            const why = "which the directory needs (the acceptance run's";
            expect(problemsOf(raw)).toEqual([
                `billu:flows: lacks management -> PAR-MAIL01 submission, ${why} mail scenario (npm run acceptance, as svc-acceptance)). Fix: append { from: management, to: PAR-MAIL01, service: submission } to billu:flows`,
                `billu:flows: lacks management -> PAR-MAIL01 imaps, ${why} mail scenario (npm run acceptance, as svc-acceptance)). Fix: append { from: management, to: PAR-MAIL01, service: imaps } to billu:flows`,
                `billu:flows: lacks management -> PAR-FS01 smb, ${why} shares scenario (npm run acceptance, as svc-acceptance)). Fix: append { from: management, to: PAR-FS01, service: smb } to billu:flows`,
            ]);
            // Without a mailbox or a department the account needs neither.
            raw.directory.acceptance = { mailbox: false };
            expect(problemsOf(raw)).toEqual([]);
        },
    );
    test("a department the HR export does not have is bad config, naming the key and listing the departments", () => {
        const problems = new Problems();
        expect(
            planAcceptance({ account: "svc-acceptance", ou: "Acceptance", enabled: true, department: "IT" }, model.directory!, {}, problems),
        ).toBeUndefined();
        expect(problems.all.map((p) => `${p.path}: ${p.message} (${p.fix})`)).toEqual([
            'billu:directory.acceptance.department: "IT" is not a department of the HR export (use one of ' +
                model
                    .directory!.groups.filter((g) => g.kind === "department")
                    .map((g) => JSON.stringify(g.department))
                    .join(", ") +
                ", or leave it out (no department share))",
        ]);
        expect(problems.all[0].fix).toContain('"DSI"');
    });
    test("read from outputs written with --show-secrets; BILLU_ACCEPTANCE_PASSWORD wins when set", () => {
        const saved = process.env.BILLU_ACCEPTANCE_PASSWORD;
        try {
            delete process.env.BILLU_ACCEPTANCE_PASSWORD;
            expect(acceptanceAccount(model, { acceptancePassword: "pw-from-outputs" }, undefined, ["logon"])).toEqual({
                name: "svc-acceptance",
                password: "pw-from-outputs",
            });
            process.env.BILLU_ACCEPTANCE_PASSWORD = "pw-from-env";
            expect(acceptanceAccount(model, { acceptancePassword: "pw-from-outputs" }, undefined, ["logon"])).toEqual({
                name: "svc-acceptance",
                password: "pw-from-env",
            });
            // Another account never takes the model account's password from the outputs.
            delete process.env.BILLU_ACCEPTANCE_PASSWORD;
            expect(() => acceptanceAccount(model, { acceptancePassword: "pw-from-outputs" }, "lab.alice", ["logon"])).toThrow(
                "lab.alice is given, but BILLU_ACCEPTANCE_PASSWORD is empty",
            );
        } finally {
            if (saved === undefined) delete process.env.BILLU_ACCEPTANCE_PASSWORD;
            else process.env.BILLU_ACCEPTANCE_PASSWORD = saved;
        }
    });
    test("a clash with the join account or a staff OU is bad config, naming the key", () => {
        const problems = new Problems();
        const plan = model.directory!;
        expect(
            planAcceptance({ account: "svc-domain-join", ou: "Departs", enabled: true }, plan, { joinAccount: "svc-domain-join" }, problems),
        ).toBeUndefined();
        expect(problems.all.map((p) => `${p.path}: ${p.message}`)).toEqual([
            'billu:directory.acceptance.account: "svc-domain-join" is already an account of the directory (the join account or a person\'s)',
            'billu:directory.acceptance.ou: "Departs" is one of the directory\'s own OUs (Utilisateurs, Ordinateurs, Groupes, Departs)',
        ]);
    });
});

describe("the runner bounds every check and fails a scenario on any failed check", () => {
    const scenario = (checks: Scenario["checks"]): Scenario => ({ name: "t", title: "test", skip: () => undefined, checks });
    const input = { model: undefined as never, outputs: {}, workDir: tmpdir(), acceptNewHostKeys: false };
    test("a check with no answer fails at the bound; one that throws fails with its message; others pass", async () => {
        const [r] = await runScenarios(
            [
                scenario(() => [
                    { name: "ok", expected: "a", contacts: [], run: async () => ({ ok: true, observed: "a" }) },
                    { name: "hangs", expected: "b", contacts: [], run: () => new Promise(() => undefined) },
                    { name: "throws", expected: "c", contacts: [], run: async () => Promise.reject(new Error("connection refused")) },
                ]),
            ],
            input,
            { timeoutMs: 200 },
        );
        expect(r.checks.map((c) => [c.name, c.ok, c.observed])).toEqual([
            ["ok", true, "a"],
            ["hangs", false, "no answer within 0.2 s"],
            ["throws", false, "connection refused"],
        ]);
        expect(r.ok).toBe(false);
        // It waited for the bound rather than failing at once (a timer measured with Date.now may fire a millisecond
        // early: 199 ms was seen once, so the floor leaves room for that and nothing else).
        expect(r.checks[1].ms).toBeGreaterThanOrEqual(190);
    });
    test("a scenario with no check has proven nothing: it does not pass", async () => {
        const [r] = await runScenarios([scenario(() => [])], input);
        expect(r.ok).toBe(false);
    });
});

test("the reports: JUnit XML with escaped text, Markdown with every step's expected and observed", () => {
    const results: ScenarioResult[] = [
        {
            name: "dns",
            title: "records",
            ok: false,
            ms: 1500,
            checks: [
                { name: "A a.b", expected: "10.0.0.1", observed: "10.0.0.1", ok: true, ms: 12 },
                { name: 'MX <b> & "c"', expected: "10 mx|1", observed: "ENOTFOUND\nagain", ok: false, ms: 1488 },
            ],
        },
    ];
    expect(junitReport("dev", results)).toBe(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<testsuites name="billu acceptance dev" tests="2" failures="1" time="1.500">',
            '  <testsuite name="dns" tests="2" failures="1" time="1.500">',
            '    <testcase classname="dev.dns" name="A a.b" time="0.012">',
            "    </testcase>",
            '    <testcase classname="dev.dns" name="MX &lt;b&gt; &amp; &quot;c&quot;" time="1.488">',
            '      <failure message="expected 10 mx|1; observed ENOTFOUND\nagain"/>',
            "    </testcase>",
            "  </testsuite>",
            "</testsuites>",
            "",
        ].join("\n"),
    );
    expect(markdownReport("dev", results)).toBe(
        [
            "# Acceptance run: dev",
            "",
            "Failed: dns (1 of 1 scenarios).",
            "",
            "## dns: records (FAILED, 1.5 s)",
            "",
            "| step | expected | observed | result | time |",
            "|---|---|---|---|---|",
            "| A a.b | 10.0.0.1 | 10.0.0.1 | ok | 12 ms |",
            '| MX <b> & "c" | 10 mx\\|1 | ENOTFOUND again | FAIL | 1488 ms |',
            "",
        ].join("\n"),
    );
});
