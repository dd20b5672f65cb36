/**
 * GLPI through the service seam: the committed dev stack with PAR-GLPI01 (its host, billu:assets and its flows),
 * synthesized: the AssetsServer on its BaseServer, the `assets-directory` step on the first DC before the `glpi-server`
 * step, its certificate from the site CA, the generated passwords only through the secret channel, the inventory agent
 * in every Debian host's base step, the flows in the router's ruleset (nothing from the WAN). Expected values come
 * from the model (the plan) and the stack file, never from the rendered files.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import type { AssetsPlan } from "../../model/assets";
import { SynthResult } from "../../tools/synth";
import { model, orderingDeps, secretLeaks, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

const dev = model(stackRaw("dev"));
const plan = dev.plan<AssetsPlan>("assets")!;
let r: SynthResult;
let out: string;
let stderr: string;

beforeAll(async () => {
    ({ r, out, stderr } = await committedSynth("dev"));
}, SYNTH_TIMEOUT);

const rendered = (host: string, p: string) => path.join(out, "rendered", host, p);

test("dev synthesizes cleanly with its GLPI server: exit 0, no policy violation, an empty stderr; one AssetsServer with the plan's facts", () => {
    expect([r.exitCode, r.violations, stderr]).toEqual([0, [], ""]);
    expect(r.resources.filter((x) => x.type === "billu:assets:AssetsServer").map((x) => [x.name, x.inputs])).toEqual([
        ["par-glpi01", { host: plan.host.name, fqdn: plan.fqdn, address: plan.host.address, url: plan.url, version: plan.glpi.version, pinned: false }],
    ]);
});

test("the steps' order: the account on the first DC after the domain, GLPI's step after it and after the host's domain join", () => {
    const urn = (name: string) => r.resources.find((x) => x.name === name)!.urn;
    const prepare = r.resources.find((x) => x.name === "par-glpi01-glpi-server-prepare")!;
    expect(orderingDeps(prepare)).toEqual(expect.arrayContaining([urn("par-glpi01-ad-join-apply"), urn("par-glpi01-directory-apply")]));
    // The account step runs on the first DC (its run.sh is staged there) after the domain is up.
    expect(existsSync(rendered("PAR-DC01", "var/lib/billu/stage/assets-directory/run.sh"))).toBe(true);
    expect(orderingDeps(r.resources.find((x) => x.name === "par-glpi01-directory-prepare")!)).toContain(urn("par-domain-domain-apply"));
});

test("two generated passwords and two API tokens (letters and digits), the certificate from the site CA for the plan's name and address", () => {
    const pw = r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword" && x.name.startsWith("par-glpi01-"));
    expect(pw.map((x) => [x.name, x.inputs.length, x.inputs.special])).toEqual([
        ["par-glpi01-glpi-api-app", 40, false],
        ["par-glpi01-glpi-api-user", 40, false],
        ["par-glpi01-glpi-db", 40, false],
        ["par-glpi01-glpi-ldap", 32, false],
    ]);
    const csr = r.resources.find((x) => x.type === "tls:index/certRequest:CertRequest" && x.name === "par-ca-par-glpi01-glpi-csr")!;
    expect([csr.inputs.dnsNames, csr.inputs.ipAddresses]).toEqual([[plan.fqdn], [plan.host.address]]);
});

test("rendered: the plan's release and LDAP search, the workstations, and no secret in any file of PAR-GLPI01 or PAR-DC01", () => {
    const env = readFileSync(rendered(plan.host.name, "etc/billu/assets/assets.env"), "utf8");
    expect(env).toContain(`\nGLPI_VERSION='${plan.glpi.version}'\nGLPI_URL='${plan.glpi.url}'\nGLPI_SHA256=''\n`);
    const site = JSON.parse(readFileSync(rendered(plan.host.name, "etc/billu/assets/site.json"), "utf8"));
    expect([site.ldap.basedn, site.ldap.condition]).toEqual([plan.ldap.baseDn, plan.ldap.filter]);
    expect(readFileSync(rendered(plan.host.name, "etc/billu/assets/computers.csv"), "utf8").trimEnd().split("\n")).toHaveLength(plan.computers.length + 1);
    expect(readFileSync(rendered(plan.host.name, "etc/billu/assets/ldap-password"), "utf8")).toBe("{{secret:glpi-ldap-password}}");
    // The REST API tokens reach the guest only through the secret channel; site.json names their files and the user.
    expect(readFileSync(rendered(plan.host.name, "etc/billu/assets/api-app-token"), "utf8")).toBe("{{secret:glpi-api-app-token}}");
    expect(readFileSync(rendered(plan.host.name, "etc/billu/assets/api-user-token"), "utf8")).toBe("{{secret:glpi-api-user-token}}");
    expect(site.api).toEqual({
        client: "billu acceptance",
        appTokenFile: "/etc/billu/assets/api-app-token",
        user: dev.directory!.acceptance!.sam,
        profile: "Technician",
        userTokenFile: "/etc/billu/assets/api-user-token",
    });
    for (const h of [plan.host.name, "PAR-DC01"]) expect(secretLeaks(path.join(out, "rendered", h), ["PRIVATE KEY", "BEGIN CERTIFICATE"])).toEqual([]);
});

test("every Debian host's base step carries the inventory agent with the plan's endpoint; no Windows host does", () => {
    const withAgent = dev.hosts.filter((h) => existsSync(rendered(h.name, "etc/billu/assets/agent.cfg"))).map((h) => h.name);
    expect(withAgent).toEqual(plan.inventory.agents);
    for (const h of withAgent) {
        expect(readFileSync(rendered(h, "etc/billu/assets/agent.cfg"), "utf8")).toContain(`\nserver = ${plan.inventory.url}\n`);
    }
});

test("the router: HTTPS to GLPI from each department zone and from every agent host; nothing from the WAN", () => {
    const nft = readFileSync(rendered("PAR-FW01", "etc/nftables.conf"), "utf8").split("\n");
    const toGlpi = nft.filter((l) => l.includes(`ip daddr ${plan.host.address} `) && l.includes(" accept"));
    const departments = dev.zones.filter((z) => z.kind === "department").map((z) => z.cidr.text);
    const https = toGlpi.filter((l) => l.includes("tcp dport 443 ")).map((l) => /ip saddr (\S+)/.exec(l)?.[1] ?? "router");
    expect(https).toEqual(expect.arrayContaining([...departments, dev.host("PAR-WEB01").nics[0].address, "router"]));
    const wan = dev.zones.find((z) => z.kind === "wan")!;
    expect(toGlpi.filter((l) => l.includes(wan.cidr.text) || /iifname \$IF_WAN/.test(l))).toEqual([]);
});

test("GLPI's API tokens are one secret stack output (glpiApiTokens), which the acceptance run's ticket scenario reads", () => {
    const outputs = JSON.parse(readFileSync(path.join(out, "outputs.json"), "utf8"));
    expect(outputs.glpiApiTokens).toBe("[secret]");
});
