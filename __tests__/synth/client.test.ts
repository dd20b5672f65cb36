/**
 * The client role through the service seam: dev's PAR-CLI01 synthesized: a BaseServer without the SSSD join, the first
 * DC's `client-ou` step after the directory, its `client-join` step after the base step, the domain and that
 * delegation, the join password through the secret channel only, the rendered smb.conf the model's. Expected values
 * from the model (the plan), never from the rendered files.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { ClientPlan } from "../../model/client";
import { model, orderingDeps, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT, Synthesized } from "./shared";

const plan = model(stackRaw("dev")).plan<ClientPlan>("client")!;
let s: Synthesized;
beforeAll(async () => {
    s = await committedSynth("dev");
}, SYNTH_TIMEOUT);

test("dev synthesizes with its client: exit 0, no violation, an empty stderr", () => {
    expect([s.r.exitCode, s.r.violations, s.stderr]).toEqual([0, [], ""]);
});

test("PAR-CLI01: a BaseServer with the client-join step, no SSSD ad-join; the join after the base step and the DCs", () => {
    const c = plan.clients[0];
    const name = c.name.toLowerCase();
    const names = s.r.resources.map((x) => x.name);
    expect(names).toContain(`${name}-client-join-apply`);
    expect(names).not.toContain(`${name}-ad-join-apply`);
    const urn = (n: string) => s.r.resources.find((x) => x.name === n)!.urn;
    const prepare = s.r.resources.find((x) => x.name === `${name}-client-join-prepare`)!;
    expect(orderingDeps(prepare)).toContain(urn(`${name}-base-apply`));
    // The domain's readiness, as a server's SSSD join waits for it (PAR-FTP01's ad-join): every DC-side dependency.
    const domainDeps = orderingDeps(s.r.resources.find((x) => x.name === "par-ftp01-ad-join-prepare")!).filter((u) => !/::par-ftp01-/.test(u));
    expect(domainDeps.length).toBeGreaterThan(0);
    expect(orderingDeps(prepare)).toEqual(expect.arrayContaining(domainDeps));
    // The OUs are the directory's: the join waits for the first DC's delegation, which waits for the directory step.
    expect(orderingDeps(prepare)).toContain(urn("par-client-ou-apply"));
    expect(orderingDeps(s.r.resources.find((x) => x.name === "par-client-ou-prepare")!)).toContain(urn("par-directory-apply-apply"));
});

test("the client-ou step runs on the first DC with the plan's OUs", () => {
    const run = readFileSync(path.join(s.out, "rendered", "PAR-DC01", "var/lib/billu/stage/client-ou/run.sh"), "utf8");
    expect(run).toContain(`COMPUTER_OUS='${plan.delegatedOus.join("\n")}'`);
    expect(plan.delegatedOus).toEqual([plan.clients[0].ou]);
});

test("the rendered smb.conf names the plan's realm, workgroup and idmap", () => {
    const c = plan.clients[0];
    const conf = readFileSync(path.join(s.out, "rendered", c.name, "etc/samba/smb.conf"), "utf8");
    expect(conf).toContain(`    realm = ${plan.realm}\n`);
    expect(conf).toContain(`    idmap config ${plan.workgroup} : range = ${plan.idmap.domain.low}-${plan.idmap.domain.high}\n`);
    const run = readFileSync(path.join(s.out, "rendered", c.name, "var/lib/billu/stage/client-join/run.sh"), "utf8");
    expect(run).toContain(`net ads join -s /etc/samba/smb.conf -A "$auth" `);
});
