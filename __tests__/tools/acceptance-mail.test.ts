/**
 * The mail acceptance scenario (tools/acceptance/scenarios/mail.ts, issue #23): --dry-run of every committed stack
 * lists its four steps with the mail host and ports of the model, or says why it does not run; the account's address
 * comes from the directory plan; without the stack's CA it fails before contacting anything. The protocol itself
 * (submission, IMAPS, the clean-up) runs against real Postfix and Dovecot in labs/mail.
 */
import { readdirSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { main } from "../../tools/acceptance";
import { runScenarios } from "../../tools/acceptance/runner";
import { mailAddressOf, mailScenario, testMessages } from "../../tools/acceptance/scenarios/mail";
import { loadModel } from "../../stacks/program";
import { readBilluConfig } from "../../tools/stack-config";
import { ROOT } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;

const STACKS = readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
const modelOf = (stack: string) => loadModel(readBilluConfig(path.join(ROOT, `Pulumi.${stack}.yaml`)));

async function dryRun(args: string[], password?: string): Promise<{ code: number; out: string }> {
    let out = "";
    const cwd = process.cwd();
    const saved = process.env.BILLU_ACCEPTANCE_PASSWORD;
    if (password === undefined) delete process.env.BILLU_ACCEPTANCE_PASSWORD;
    else process.env.BILLU_ACCEPTANCE_PASSWORD = password;
    process.chdir(ROOT);
    try {
        const code = await main([...args, "--dry-run", "--only", "mail"], (s) => (out += s));
        return { code, out };
    } finally {
        process.chdir(cwd);
        if (saved === undefined) delete process.env.BILLU_ACCEPTANCE_PASSWORD;
        else process.env.BILLU_ACCEPTANCE_PASSWORD = saved;
    }
}

test("the committed stacks are dev, ecotech and prod (a new one gets its pinned line below)", () => {
    expect(STACKS).toEqual(["dev", "ecotech", "prod"]);
});

describe("--dry-run --only mail, for every committed stack", () => {
    // Without --account the scenario logs on as the model's acceptance account (billu:directory.acceptance).
    const steps = (host: string, who: string, as = modelOf("dev").directory!.acceptance!.sam) =>
        [
            `mail: a test message sent through submission, read over IMAPS and deleted, as the acceptance account (4 steps; logs on as ${as})`,
            `    submission: STARTTLS on ${host}:587, certificate verified against the site CA: expects a TLS session with the certificate of ${host}; contacts ${host} (submission tcp/587)`,
            `    submission: ${who} logs on after STARTTLS and sends a test message to itself: expects 250 (queued); contacts ${host} (imaps tcp/993), ${host} (submission tcp/587)`,
            `    IMAPS: ${who} reads the test message on ${host}:993, certificate verified against the site CA: expects the message in INBOX within 20 s; contacts ${host} (imaps tcp/993)`,
            `    IMAPS: the test messages are deleted (clean-up, earlier runs' leftovers included): expects this run's message deleted, no test message left; contacts ${host} (imaps tcp/993)`,
            "",
        ].join("\n");
    test.each([
        ["dev", "par-mail01.billu.remindme.lan"],
        ["prod", "par-mail01.billu.remindme.lan"],
    ])("%s: four steps against %s, the model's mail host", async (stack, host) => {
        expect(modelOf(stack).mail!.hostname).toBe(host);
        const as = modelOf(stack).directory!.acceptance!.sam;
        expect(await dryRun(["--stack", stack])).toEqual({ code: 0, out: steps(host, mailAddressOf(modelOf(stack), as), as) });
    });
    test("ecotech has no mail server: the scenario says why it does not run", async () => {
        expect(await dryRun(["--stack", "ecotech"])).toEqual({ code: 0, out: "[mail] not run: the site has no mail server\n" });
    });
    test("with --account, the steps name the account's address from the directory plan", async () => {
        const person = modelOf("dev").mail!.accounts.find((a) => a.enabled)!;
        const r = await dryRun(["--stack", "dev", "--account", person.sam], "not-used-in-a-dry-run");
        expect(r).toEqual({ code: 0, out: steps("par-mail01.billu.remindme.lan", person.mail, person.sam) });
    });
});

test("the account's address: the directory plan's mail for its account name (any case), else <name>@<mail domain>", () => {
    const m = modelOf("dev");
    // An account whose address is not <account name>@<domain> (a shortened account name), so the plan is what answers.
    const a = m.mail!.accounts.find((x) => x.enabled && x.mail.split("@")[0] !== x.sam)!;
    expect(a.mail).not.toBe(`${a.sam}@billu.remindme.lan`);
    expect(mailAddressOf(m, a.sam.toUpperCase())).toBe(a.mail);
    expect(mailAddressOf(m, a.mail)).toBe(a.mail);
    expect(mailAddressOf(m, "Acceptance.Run")).toBe("acceptance.run@billu.remindme.lan");
});

test("without the stack's CA every step fails, saying so, before contacting the server", async () => {
    const [r] = await runScenarios([mailScenario], {
        model: modelOf("dev"),
        outputs: {},
        account: { name: "someone", password: "x" },
        workDir: tmpdir(),
        acceptNewHostKeys: false,
    });
    const why = "the stack's outputs have no caCertPem (give them with --outputs: pulumi stack output --json)";
    expect(r.checks.map((c) => [c.ok, c.observed])).toEqual([
        [false, why],
        [false, why],
        [false, why],
        [false, why],
    ]);
    expect(r.ok).toBe(false);
});

test("the clean-up takes exactly the test messages of a FETCH answer: this run's and earlier runs', never a person's", () => {
    // Dovecot's answer to UID FETCH 3,7,9 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]): literals split over lines.
    const lines = [
        "* 1 FETCH (UID 3 BODY[HEADER.FIELDS (SUBJECT)] {38}",
        "Subject: billu-acceptance-0123456789ab",
        "",
        ")",
        "* 2 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT)] {52}",
        "Subject: Re: billu-acceptance-0123456789ab failed?",
        "",
        ")",
        "* 3 FETCH (UID 9 BODY[HEADER.FIELDS (SUBJECT)] {38}",
        "Subject: billu-acceptance-ffffffffffff",
        "",
        ")",
        "* 4 FETCH (UID 11 BODY[HEADER.FIELDS (SUBJECT)] {2}",
        "",
        ")",
    ];
    expect(testMessages(lines)).toEqual([
        { uid: "3", subject: "billu-acceptance-0123456789ab" },
        { uid: "9", subject: "billu-acceptance-ffffffffffff" },
    ]);
});
