/**
 * `npm run directory:drift` (tools/directory-drift.ts, issue #27): bad input is exit 2 naming the flag and the fix,
 * the password is never taken from a command line nor printed, and a DC that cannot be read is exit 3 from the real
 * applier (apply_samba.py over Samba's ldb: a closed port on this host's loopback, nothing else contacted). The report
 * itself against a real DC, over LDAPS, is proven in labs/directory (part 3c).
 */
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { createServer } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { renderApplierPlan } from "../../components/directory/render";
import { loadModel } from "../../stacks/program";
import { main, readerPassword, runRemoteCheck } from "../../tools/directory-drift";
import { readBilluConfig } from "../../tools/stack-config";
import { ROOT } from "../helpers";

process.env.BILLU_PROJECT_ROOT = ROOT;
const dir = mkdtempSync(path.join(tmpdir(), "billu-drift-test-"));
const PASSWORD = "Drift-Test-pw-7q!x";

/** A throwaway CA certificate (openssl), so the applier's TLS set-up is real and only the connection fails. */
const CA_PEM = (() => {
    const key = path.join(dir, "ca.key");
    const pem = path.join(dir, "ca.pem");
    execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            key,
            "-out",
            pem,
            "-days",
            "1",
            "-subj",
            "/CN=drift-test-ca",
        ],
        {
            stdio: "ignore",
        },
    );
    return readFileSync(pem, "utf8");
})();

function outputsFile(name: string, o: Record<string, unknown>): string {
    const f = path.join(dir, name);
    writeFileSync(f, JSON.stringify(o));
    return f;
}

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const saved = { ...process.env };
    for (const [k, v] of Object.entries(env))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
        const code = await main(
            args,
            (s) => (out += s),
            (s) => (err += s),
        );
        return { code, out, err };
    } finally {
        process.chdir(cwd);
        process.env = saved;
    }
}

/** A loopback port nobody listens on (bound, then closed). */
async function closedPort(): Promise<number> {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    return port;
}

describe("directory:drift: bad input is exit 2 with the flag and the fix", () => {
    test("no --stack", async () => {
        expect(await run([])).toEqual({
            code: 2,
            out: "",
            err: "directory:drift: --stack: is required. Fix: npm run directory:drift -- --stack prod --outputs <(pulumi stack output --json --show-secrets --stack prod)\n",
        });
    });

    test("an unknown stack", async () => {
        const r = await run(["--stack", "nosuch"]);
        expect(r).toEqual({
            code: 2,
            out: "",
            err: `directory:drift: --stack: ${path.join(ROOT, "Pulumi.nosuch.yaml")} does not exist. Fix: run it in the project folder, or name the stack file with --config\n`,
        });
    });

    test("a stack name that is a path", async () => {
        expect((await run(["--stack", "../x"])).err).toBe(
            'directory:drift: --stack: "../x" is not a stack name. Fix: name a stack with letters, digits, "_", "." and "-" only (Pulumi\'s rule), not "." or "..": --stack dev\n',
        );
    });

    test("the password on the command line is refused (an unknown option), never echoed", async () => {
        const r = await run(["--stack", "dev", "--password", PASSWORD]);
        expect(r.code).toBe(2);
        expect(r.err).toBe(
            'directory:drift: --password: "--password" is not an option of directory:drift. Fix: use --stack, --config, --outputs (the password never on a command line)\n',
        );
        expect(r.err).not.toContain(PASSWORD);
    });

    test("no outputs file", async () => {
        const missing = path.join(dir, "missing.json");
        expect(await run(["--stack", "dev", "--outputs", missing])).toEqual({
            code: 2,
            out: "",
            err: `directory:drift: --outputs: ${missing} does not exist. Fix: read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets --stack <name>)\n`,
        });
    });

    test("outputs that are not a JSON object", async () => {
        const f = path.join(dir, "array.json");
        writeFileSync(f, "[]");
        expect((await run(["--stack", "dev", "--outputs", f])).err).toBe(
            `directory:drift: --outputs: ${f} is not the stack's outputs (not a JSON object). Fix: give the JSON object \`pulumi stack output --json --show-secrets\` prints\n`,
        );
    });

    test("outputs without the site CA", async () => {
        const f = outputsFile("no-ca.json", { driftReaderPassword: PASSWORD });
        expect(await run(["--stack", "dev", "--outputs", f])).toEqual({
            code: 2,
            out: "",
            err: "directory:drift: --outputs: has no caCertPem (the site CA the DC's certificate is verified against). Fix: read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets --stack <name>)\n",
        });
    });

    test("outputs written without --show-secrets: the placeholder is no password", async () => {
        const f = outputsFile("placeholder.json", { caCertPem: CA_PEM, driftReaderAccount: "svc-drift-read", driftReaderPassword: "[secret]" });
        expect(await run(["--stack", "dev", "--outputs", f], { BILLU_DRIFT_PASSWORD: undefined })).toEqual({
            code: 2,
            out: "",
            err: "directory:drift: --outputs: holds driftReaderPassword as [secret] (written without --show-secrets). Fix: read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets --stack <name>), or put the password in BILLU_DRIFT_PASSWORD\n",
        });
    });

    test("outputs of a stack before the reader existed", async () => {
        const f = outputsFile("no-reader.json", { caCertPem: CA_PEM });
        expect((await run(["--stack", "dev", "--outputs", f], { BILLU_DRIFT_PASSWORD: undefined })).err).toBe(
            "directory:drift: --outputs: has no driftReaderPassword (the password of svc-drift-read, the read-only account of the check). Fix: read the outputs with their secrets, without a file: --outputs <(pulumi stack output --json --show-secrets --stack <name>), or put the password in BILLU_DRIFT_PASSWORD\n",
        );
    });

    test("a stack without a directory", async () => {
        const r = await run(["--stack", "ecotech"]);
        // ecotech (the partner's site) has no billu:directory: nothing to compare.
        expect(r.code).toBe(2);
        expect(r.err).toBe(
            "directory:drift: --stack: ecotech's model has no directory on a domain controller (billu:directory and a host of role dc). Fix: name a stack with a directory\n",
        );
    });
});

describe("directory:drift: the reader's password", () => {
    test("BILLU_DRIFT_PASSWORD wins over the outputs; the outputs' real value is taken", () => {
        const saved = process.env.BILLU_DRIFT_PASSWORD;
        try {
            process.env.BILLU_DRIFT_PASSWORD = "from-env";
            expect(readerPassword({ driftReaderPassword: "from-outputs" }, "svc-drift-read")).toBe("from-env");
            delete process.env.BILLU_DRIFT_PASSWORD;
            expect(readerPassword({ driftReaderPassword: "from-outputs" }, "svc-drift-read")).toBe("from-outputs");
        } finally {
            if (saved === undefined) delete process.env.BILLU_DRIFT_PASSWORD;
            else process.env.BILLU_DRIFT_PASSWORD = saved;
        }
    });
});

describe("directory:drift: a DC that cannot be read is exit 3 (the real applier, Samba's ldb)", () => {
    const model = loadModel(readBilluConfig(path.join(ROOT, "Pulumi.dev.yaml")));
    const planText = renderApplierPlan(model.directory!);

    test("nothing listens: exit 3, the applier's reason, no drift line, the password nowhere", async () => {
        const port = await closedPort();
        let out = "";
        let err = "";
        const code = await runRemoteCheck(
            { url: `ldaps://127.0.0.1:${port}`, user: "svc-drift-read@billu.remindme.lan", password: PASSWORD, caPem: CA_PEM, planText },
            (s) => (out += s),
            (s) => (err += s),
        );
        expect(code).toBe(3);
        expect(out).toBe("");
        expect(err).toContain("directory check: failed to read the directory: LdbError: (1, 'LDAP client internal error: NT_STATUS_CONNECTION_REFUSED')");
        expect(out + err).not.toContain(PASSWORD);
    });

    test("a plan the applier cannot read is its exit 2, passed through", async () => {
        let err = "";
        const code = await runRemoteCheck(
            { url: "ldaps://127.0.0.1:1", user: "u@r", password: PASSWORD, caPem: CA_PEM, planText: "{}" },
            () => undefined,
            (s) => (err += s),
        );
        expect(code).toBe(2);
        expect(err).toMatch(/^directory check: bad input: .*plan\.json: domainDn is null, not a DN; /);
    });
});
