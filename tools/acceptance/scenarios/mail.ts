/**
 * Mail: the acceptance account sends a test message to itself through submission (STARTTLS, the server's certificate
 * verified against the stack's `caCertPem` for the mail host's name), reads it over IMAPS (verified the same way), then
 * deletes it. What it expects comes from the model (the mail host's name, the mail domain, the account's address from
 * the directory plan, the ports of the `submission` and `imaps` services) and the stack's outputs (the CA). The
 * password travels only inside TLS (SASL PLAIN after STARTTLS, IMAP AUTHENTICATE PLAIN), never on a command line.
 * Each step waits a bounded time (the socket's own bound, below the runner's).
 */
import { randomBytes } from "crypto";
import * as net from "net";
import * as tls from "tls";
import { portOf } from "../../../model/ports";
import type { SiteModel } from "../../../model/site";
import type { Check, Scenario } from "../types";
import { runAccount } from "./account";

/** How long one socket may stay silent, and how long the message may take to arrive in the mailbox. */
const SOCKET_IDLE_MS = 10_000;
const DELIVERY_WAIT_MS = 20_000;

/** A CRLF line reader over a socket that can be handed over to TLS (STARTTLS) mid-conversation. */
class Conversation {
    private buf = "";
    private wake: (() => void) | undefined;
    private ended: string | undefined;
    private readonly onData = (d: Buffer) => {
        this.buf += d.toString("latin1");
        this.wake?.();
    };
    private readonly onEnd = (e?: Error) => {
        this.ended ??= e ? e.message : "the server closed the connection";
        this.wake?.();
    };

    constructor(private sock: net.Socket) {
        this.listen();
    }

    private listen(): void {
        this.sock.setTimeout(SOCKET_IDLE_MS, () => this.sock.destroy(new Error(`no answer within ${SOCKET_IDLE_MS / 1000} s`)));
        this.sock.on("data", this.onData);
        this.sock.on("error", this.onEnd);
        this.sock.on("close", () => this.onEnd());
    }

    async line(): Promise<string> {
        for (;;) {
            const i = this.buf.indexOf("\r\n");
            if (i >= 0) {
                const l = this.buf.slice(0, i);
                this.buf = this.buf.slice(i + 2);
                return l;
            }
            if (this.ended !== undefined) throw new Error(this.ended);
            await new Promise<void>((r) => (this.wake = r));
            this.wake = undefined;
        }
    }

    write(s: string): void {
        this.sock.write(s, "latin1");
    }

    /** Hands the connection to TLS (after the server said yes to STARTTLS): the certificate verified for `servername`. */
    async startTls(servername: string, ca: string): Promise<tls.TLSSocket> {
        this.sock.removeListener("data", this.onData);
        this.sock.removeAllListeners("error");
        this.sock.removeAllListeners("close");
        this.sock.setTimeout(0);
        const t = await secure(tls.connect({ socket: this.sock, servername, ca, minVersion: "TLSv1.2" }));
        this.sock = t;
        this.buf = "";
        this.listen();
        return t;
    }

    close(): void {
        this.sock.destroy();
    }
}

/** Resolves once the TLS handshake (and the certificate's verification) is done; rejects with the reason. */
function secure(t: tls.TLSSocket): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
        t.once("secureConnect", () => resolve(t));
        t.once("error", reject);
        t.setTimeout(SOCKET_IDLE_MS, () => t.destroy(new Error(`no TLS handshake within ${SOCKET_IDLE_MS / 1000} s`)));
    });
}

function plainConnect(host: string, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
        const s = net.connect({ host, port });
        s.once("connect", () => resolve(s));
        s.once("error", reject);
        s.setTimeout(SOCKET_IDLE_MS, () => s.destroy(new Error(`no connection within ${SOCKET_IDLE_MS / 1000} s`)));
    });
}

/** An SMTP reply (the lines of a multi-line one joined), failing unless its code is the one the step needs. */
async function reply(c: Conversation, want: number, step: string): Promise<string> {
    const lines: string[] = [];
    for (;;) {
        const l = await c.line();
        lines.push(l);
        if (l[3] !== "-") break;
    }
    const last = lines[lines.length - 1];
    if (Number(last.slice(0, 3)) !== want) throw new Error(`${step}: ${last}`);
    return lines.join("\n");
}

/** SMTP up to a verified STARTTLS and the second EHLO; returns the TLS details. */
async function submissionTls(host: string, port: number, ca: string): Promise<{ c: Conversation; tlsText: string; ehlo: string }> {
    const c = new Conversation(await plainConnect(host, port));
    try {
        await reply(c, 220, "greeting");
        c.write("EHLO billu-acceptance\r\n");
        await reply(c, 250, "EHLO");
        c.write("STARTTLS\r\n");
        await reply(c, 220, "STARTTLS");
        const t = await c.startTls(host, ca);
        c.write("EHLO billu-acceptance\r\n");
        const ehlo = await reply(c, 250, "EHLO after STARTTLS");
        return { c, tlsText: `${t.getProtocol()}, certificate of ${host} verified against the site CA`, ehlo };
    } catch (e) {
        c.close();
        throw e;
    }
}

/** An IMAP command; resolves with its untagged lines, fails with the server's tagged answer unless OK. */
async function imap(c: Conversation, tag: string, command: string, label = command): Promise<string[]> {
    c.write(`${tag} ${command}\r\n`);
    const lines: string[] = [];
    for (;;) {
        const l = await c.line();
        if (l.startsWith(`${tag} `)) {
            if (!l.startsWith(`${tag} OK`)) throw new Error(`${label}: ${l.slice(tag.length + 1)}`);
            return lines;
        }
        lines.push(l);
    }
}

/** A verified IMAPS session, logged on (AUTHENTICATE PLAIN with the initial response) and INBOX selected. */
async function imapSession(host: string, port: number, ca: string, user: string, password: string): Promise<Conversation> {
    const c = new Conversation(await secure(tls.connect({ host, port, servername: host, ca, minVersion: "TLSv1.2" })));
    try {
        const hello = await c.line();
        if (!hello.startsWith("* OK")) throw new Error(`greeting: ${hello}`);
        const plain = Buffer.from(`\0${user}\0${password}`).toString("base64");
        await imap(c, "a1", `AUTHENTICATE PLAIN ${plain}`, `logon as ${user}`);
        await imap(c, "a2", "SELECT INBOX");
        return c;
    } catch (e) {
        c.close();
        throw e;
    }
}

const uidsOf = (lines: readonly string[]) =>
    lines
        .filter((l) => l.startsWith("* SEARCH"))
        .flatMap((l) => l.slice("* SEARCH".length).trim().split(/\s+/))
        .filter((x) => x !== "");

/** Every test message's subject: this prefix and 12 hex digits (a run's own). */
export const TEST_SUBJECT = /^billu-acceptance-[0-9a-f]{12}$/;

/**
 * The test messages among a `UID FETCH (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])` answer: the UID of each message
 * whose Subject is exactly a test subject (a person's message that merely mentions one is never taken).
 */
export function testMessages(fetchLines: readonly string[]): { uid: string; subject: string }[] {
    const out: { uid: string; subject: string }[] = [];
    let uid: string | undefined;
    for (const l of fetchLines) {
        const m = /^\* \d+ FETCH \(.*\bUID (\d+)/.exec(l);
        if (m) uid = m[1];
        else if (uid !== undefined && l.startsWith("Subject: ")) {
            const subject = l.slice("Subject: ".length).trim();
            if (TEST_SUBJECT.test(subject)) out.push({ uid, subject });
            uid = undefined;
        }
    }
    return out;
}

/** The account's mail address: the directory plan's, else `<account>@<mail domain>`. */
export function mailAddressOf(model: SiteModel, account: string): string {
    const m = model.mail!;
    const a = m.accounts.find((x) => x.sam.toLowerCase() === account.toLowerCase() || x.mail.toLowerCase() === account.toLowerCase());
    return a ? a.mail : `${account.toLowerCase()}@${m.domain}`;
}

export const mailScenario: Scenario = {
    name: "mail",
    title: "a test message sent through submission, read over IMAPS and deleted, as the acceptance account",
    skip: (m) => (m.mail ? undefined : "the site has no mail server"),
    needs: ["account"],
    checks: (input) => {
        const m = input.model.mail!;
        const host = m.hostname;
        const sub = portOf("submission");
        const imaps = portOf("imaps");
        const account = runAccount(input);
        const address = input.account ? mailAddressOf(input.model, account.name) : "<the account's address>";
        const ca = input.outputs.caCertPem;
        const subject = `billu-acceptance-${randomBytes(6).toString("hex")}`;
        const needCa = () => {
            if (typeof ca !== "string" || !ca.includes("BEGIN CERTIFICATE"))
                throw new Error("the stack's outputs have no caCertPem (give them with --outputs: pulumi stack output --json)");
            return ca;
        };
        return [
            {
                name: `submission: STARTTLS on ${host}:${sub}, certificate verified against the site CA`,
                expected: `a TLS session with the certificate of ${host}`,
                contacts: [`${host} (submission tcp/${sub})`],
                run: async () => {
                    const { c, tlsText } = await submissionTls(host, sub, needCa());
                    c.close();
                    return { ok: true, observed: tlsText };
                },
            },
            {
                name: `submission: ${address} logs on after STARTTLS and sends a test message to itself`,
                expected: "250 (queued)",
                contacts: [`${host} (imaps tcp/${imaps})`, `${host} (submission tcp/${sub})`],
                run: async () => {
                    // The mailbox first: a message accepted while Dovecot is down stays queued in Postfix, where no
                    // client can take it back. Sent only when the account's mailbox answers, so a run against a broken
                    // store leaves nothing behind.
                    const caPem = needCa();
                    try {
                        const probe = await imapSession(host, imaps, caPem, address, account.password);
                        probe.write("z LOGOUT\r\n");
                        probe.close();
                    } catch (e) {
                        return { ok: false, observed: `not sent, so nothing left queued: the mailbox does not answer over IMAPS (${(e as Error).message})` };
                    }
                    const { c, ehlo } = await submissionTls(host, sub, needCa());
                    try {
                        if (!/^250[- ]AUTH /m.test(ehlo))
                            return { ok: false, observed: `no AUTH offered after STARTTLS (EHLO: ${ehlo.replace(/\n/g, " | ")})` };
                        c.write(`AUTH PLAIN ${Buffer.from(`\0${address}\0${account.password}`).toString("base64")}\r\n`);
                        await reply(c, 235, `logon as ${address}`);
                        c.write(`MAIL FROM:<${address}>\r\n`);
                        await reply(c, 250, "MAIL FROM");
                        // NOTIFY=NEVER where the server offers DSN: a message that stays queued until it expires leaves no
                        // bounce behind in the account's mailbox (RFC 3461).
                        c.write(`RCPT TO:<${address}>${/^250[- ]DSN\b/m.test(ehlo) ? " NOTIFY=NEVER" : ""}\r\n`);
                        await reply(c, 250, "RCPT TO");
                        c.write("DATA\r\n");
                        await reply(c, 354, "DATA");
                        const id = `<${subject}@${m.domain}>`;
                        c.write(
                            [
                                `From: <${address}>`,
                                `To: <${address}>`,
                                `Subject: ${subject}`,
                                `Message-ID: ${id}`,
                                `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
                                "",
                                "BillU acceptance run: this message is deleted by the run that sent it.",
                                ".",
                                "",
                            ].join("\r\n"),
                        );
                        const queued = await reply(c, 250, "end of DATA");
                        c.write("QUIT\r\n");
                        return { ok: true, observed: queued };
                    } finally {
                        c.close();
                    }
                },
            },
            {
                name: `IMAPS: ${address} reads the test message on ${host}:${imaps}, certificate verified against the site CA`,
                expected: `the message in INBOX within ${DELIVERY_WAIT_MS / 1000} s`,
                contacts: [`${host} (imaps tcp/${imaps})`],
                run: async () => {
                    const c = await imapSession(host, imaps, needCa(), address, account.password);
                    try {
                        const start = Date.now();
                        let found: string[] = [];
                        for (let n = 0; ; n++) {
                            found = uidsOf(await imap(c, `s${n}`, `UID SEARCH SUBJECT "${subject}"`));
                            if (found.length > 0) break;
                            if (Date.now() - start > DELIVERY_WAIT_MS)
                                return { ok: false, observed: `no message with subject ${subject} after ${DELIVERY_WAIT_MS / 1000} s` };
                            await new Promise((r) => setTimeout(r, 250));
                            await imap(c, `n${n}`, "NOOP");
                        }
                        const header = await imap(c, "f1", `UID FETCH ${found[0]} (BODY.PEEK[HEADER.FIELDS (SUBJECT)])`);
                        const got = header.find((l) => l.startsWith("Subject: "));
                        return {
                            ok: got === `Subject: ${subject}`,
                            observed: `${got ?? "no Subject header"} (UID ${found.join(",")}, after ${Date.now() - start} ms)`,
                        };
                    } finally {
                        c.write("z LOGOUT\r\n");
                        c.close();
                    }
                },
            },
            {
                // The clean-up deletes this run's message and every test message an earlier run left: one accepted while
                // delivery to the mailboxes was broken (Dovecot's LMTP down) stays queued in Postfix, where no client can
                // remove it, and arrives once delivery works again. Only exact test subjects are touched.
                name: `IMAPS: the test messages are deleted (clean-up, earlier runs' leftovers included)`,
                expected: "this run's message deleted, no test message left",
                contacts: [`${host} (imaps tcp/${imaps})`],
                run: async () => {
                    const c = await imapSession(host, imaps, needCa(), address, account.password);
                    try {
                        const candidates = uidsOf(await imap(c, "s1", 'UID SEARCH SUBJECT "billu-acceptance-"'));
                        const found = candidates.length
                            ? testMessages(await imap(c, "f1", `UID FETCH ${candidates.join(",")} (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])`))
                            : [];
                        const uids = found.map((f) => f.uid);
                        const earlier = found.filter((f) => f.subject !== subject).length;
                        if (uids.length > 0) {
                            await imap(c, "d1", `UID STORE ${uids.join(",")} +FLAGS.SILENT (\\Deleted)`);
                            await imap(c, "d2", `UID EXPUNGE ${uids.join(",")}`);
                        }
                        const left = uidsOf(await imap(c, "s2", 'UID SEARCH SUBJECT "billu-acceptance-"'));
                        const leftTest = left.length
                            ? testMessages(await imap(c, "f2", `UID FETCH ${left.join(",")} (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])`))
                            : [];
                        const mine = found.some((f) => f.subject === subject);
                        const removed = `deleted UID ${uids.join(",") || "none"} (${earlier} left by earlier runs)`;
                        if (leftTest.length > 0) return { ok: false, observed: `${removed}; still there: UID ${leftTest.map((f) => f.uid).join(",")}` };
                        if (!mine)
                            return {
                                ok: false,
                                observed: `${removed}; this run's message (${subject}) never arrived: if the server accepted it, it is queued and the next run deletes it`,
                            };
                        return { ok: true, observed: `${removed}; none left` };
                    } finally {
                        c.write("z LOGOUT\r\n");
                        c.close();
                    }
                },
            },
        ] satisfies Check[];
    },
};
