// Needs a Debian package the labs install (rspamd, whose rspamadm reads the rendered files): run by `npm run test:packaged`
// after scripts/install-lab-packages.sh, not by `npm test`. The rest of this renderer's tests are in __tests__/components/.
/**
 * rspamd itself (rspamadm configdump over Debian's /etc/rspamd with the rendered local.d) reads the external_relay
 * settings as meant: the module enabled with the local strategy and the relay's address added to rspamd's own local
 * ranges (merged, not replacing them) behind dev's relay; the module off without one.
 */
import { spawnSync } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderRspamd } from "../../components/mail/rspamd";
import { model, stackRaw } from "../helpers";

/** rspamadm configdump of Debian's configuration with the rendered local.d files: `[section output, modules state]`. */
function dump(files: Record<string, string>, section: string): [string, string] {
    const dir = mkdtempSync(path.join(tmpdir(), "mail-rspamd-"));
    try {
        cpSync("/etc/rspamd", dir, { recursive: true });
        mkdirSync(path.join(dir, "local.d"), { recursive: true });
        for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, "local.d", f), text);
        const run = (...args: string[]) => {
            const r = spawnSync(
                "rspamadm",
                [`--var=CONFDIR=${dir}`, `--var=LOCAL_CONFDIR=${dir}`, "configdump", "-c", path.join(dir, "rspamd.conf"), ...args],
                {
                    encoding: "utf8",
                    timeout: 60_000,
                },
            );
            expect(r.status).toBe(0);
            return r.stdout;
        };
        return [run(section), run("-m")];
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

const enabled = (modules: string) => (/^Modules enabled: (.*)$/m.exec(modules)?.[1] ?? "").split(", ");

test("behind dev's relay: external_relay on with the local strategy, the relay added to rspamd's local ranges", () => {
    const site = model(stackRaw("dev"));
    const relay = stackRaw("dev").hosts.find((h: { role: string }) => h.role === "mx");
    const files = renderRspamd(site.mail!, site.domain!);
    const [relayConf, modules] = dump(files, "external_relay");
    expect(enabled(modules)).toContain("external_relay");
    expect(relayConf).toMatch(/rules \{\s+BILLU_INBOUND_RELAY \{\s+strategy = "local";\s+\}\s+\}/);
    const [options] = dump(files, "options");
    const locals = /^local_addrs \[([^\]]*)\]/m.exec(options)?.[1].match(/"[^"]*"/g);
    expect(locals).toEqual(expect.arrayContaining(['"10.0.0.0/8"', '"172.16.0.0/12"', '"192.168.0.0/16"', `"${relay.address}"`]));
});

test("without a relay: external_relay stays off", () => {
    const raw = stackRaw("dev");
    const relay = raw.hosts.find((h: { role: string }) => h.role === "mx").name;
    raw.hosts = raw.hosts.filter((h: { role: string }) => h.role !== "mx");
    delete raw.mx;
    raw.flows = raw.flows.filter((f: { from: string; to: string }) => f.from !== relay && f.to !== relay);
    raw.firewall.dmzAllowlist = raw.firewall.dmzAllowlist.filter((a: { from: string }) => a.from !== relay);
    raw.firewall.published = raw.firewall.published.filter((p: { host: string }) => p.host !== relay);
    const site = model(raw);
    const [, modules] = dump(renderRspamd(site.mail!, site.domain!), "external_relay");
    expect(enabled(modules)).not.toContain("external_relay");
    expect(enabled(modules)).toContain("spf");
});

test("behind dev's relay: the milter listens on the loopback (the server's own Postfix) and on the server's address (the relay, #22)", () => {
    const site = model(stackRaw("dev"));
    const [workers] = dump(renderRspamd(site.mail!, site.domain!), "worker");
    const proxy = workers.split("*** Section worker ***").find((w) => /milter = true;/.test(w)) ?? "";
    expect(proxy.match(/^\s*bind_socket = "[^"]*";$/gm)?.map((l) => l.trim())).toEqual([
        'bind_socket = "127.0.0.1:11332";',
        `bind_socket = "${site.mail!.host.address}:11332";`,
    ]);
});
