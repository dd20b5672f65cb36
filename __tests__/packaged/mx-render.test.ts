// Needs a Debian package the labs install (the program that checks the rendered file): run by `npm run test:packaged`
// after scripts/install-lab-packages.sh, not by `npm test`. The rest of this renderer's tests are in __tests__/components/.
/**
 * The inbound relay's files (components/mx/render.ts) for the committed dev stack's plan: exact tables from the model,
 * the no-open-relay settings pinned, and Postfix itself (`postfix check`, `postconf -n`) accepting main.cf and master.cf.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderMxMainCf, renderMxMasterCf, renderMxUnbound } from "../../components/mx/render";
import type { MailPlan } from "../../model/mail";
import type { MxPlan } from "../../model/mx";
import { model, stackRaw } from "../helpers";

const site = model(stackRaw("dev"));
const plan = site.plan<MxPlan>("mx")!;
const mail = site.plan<MailPlan>("mail")!;

test("Postfix accepts the rendered main.cf and master.cf (postfix check, postconf -n without a warning)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mx-postfix-"));
    try {
        writeFileSync(path.join(dir, "main.cf"), renderMxMainCf(plan));
        writeFileSync(path.join(dir, "master.cf"), renderMxMasterCf(plan));
        const check = spawnSync("/usr/sbin/postfix", ["-c", dir, "check"], { encoding: "utf8" });
        expect([check.status, check.stderr]).toEqual([0, ""]);
        const conf = spawnSync("/usr/sbin/postconf", ["-c", dir, "-n"], { encoding: "utf8" });
        expect([conf.status, conf.stderr]).toEqual([0, ""]);
        expect(conf.stdout).toContain(`relay_domains = ${mail.domain}`);
        // postscreen reads the DNSBL list as rendered (the reply patterns with their brackets and ranges).
        expect(conf.stdout).toContain(`postscreen_dnsbl_sites = zen.spamhaus.org=127.0.0.[2..11]*3, bl.spamcop.net=127.0.0.2*2`);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("unbound accepts the relay's own resolver's drop-in (unbound-checkconf), and reads it as rendered", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mx-unbound-"));
    try {
        const file = path.join(dir, "billu-relay.conf");
        writeFileSync(file, renderMxUnbound(plan));
        const check = spawnSync("/usr/sbin/unbound-checkconf", [file], { encoding: "utf8" });
        expect([check.status, check.stderr]).toEqual([0, ""]);
        const opt = (o: string) => spawnSync("/usr/sbin/unbound-checkconf", ["-o", o, file], { encoding: "utf8" }).stdout.trim();
        expect([opt("interface"), opt("module-config"), opt("do-ip6")]).toEqual(["127.0.0.1", "validator iterator", "no"]);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
