/**
 * The domain's deployment order, pinned on the recorded dependsOn of the lab stack (dev with a second Samba DC):
 * DC1 creates the forest -> DC2 joins -> FSMO transfers -> DNS records and directory objects -> everything that
 * needs the domain (the members' joins).
 */
import { readFileSync } from "fs";
import * as path from "path";
import { SynthResult } from "../../tools/synth";
import { orderingDeps } from "../helpers";
import { labSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;

beforeAll(async () => {
    ({ r, out } = await labSynth("dc", "labdc"));
}, SYNTH_TIMEOUT);

const named = (n: string) => {
    const x = r.resources.find((y) => y.name === n);
    if (!x) throw new Error(`no resource ${n}`);
    return x;
};
const deps = (n: string) =>
    orderingDeps(named(n))
        .map((u) => r.resources.find((y) => y.urn === u)!.name)
        .sort();

test("synthesizes clean", () => {
    expect(r.error).toBeUndefined();
    expect(r.violations).toEqual([]);
});

test("DC1 forest -> DC2 join -> FSMO (one DC at a time) -> DNS records -> member joins", () => {
    // (Each DC's steps also wait for its VM: they are replaced with it, pinned in real-cluster.test.ts.)
    expect(deps("par-dc01-dc-prepare")).toEqual(["par-fw01-router-apply"]);
    expect(deps("par-dc02-dc-prepare")).toEqual(["par-dc01-dc-apply", "par-fw01-router-apply"]);
    expect(deps("par-domain-fsmo-par-dc01-prepare")).toEqual(["par-dc02-dc-apply"]);
    expect(deps("par-domain-fsmo-par-dc02-prepare")).toEqual(["par-domain-fsmo-par-dc01-apply"]);
    // SYSVOL between the two Samba DCs (components/domain-controller/sysvol.ts): the PDC emulator's source step once it
    // holds its role, before the domain step (so the gpo step after the domain finds every GPO's folder there), and
    // the other DC's pull after the domain step.
    expect(deps("par-domain-sysvol-source-par-dc02-prepare")).toEqual(["par-domain-fsmo-par-dc02-apply"]);
    expect(deps("par-domain-domain-prepare")).toEqual(["par-domain-sysvol-source-par-dc02-apply"]);
    expect(deps("par-domain-sysvol-pull-par-dc01-prepare")).toEqual(["par-domain-domain-apply"]);
    // The site CA published in AD (site-ca.ts) on the first DC once the domain step is done; nothing waits for it.
    expect(deps("par-domain-site-ca-prepare")).toEqual(["par-domain-domain-apply"]);
    for (const m of ["par-dhcp01", "par-mail01"]) {
        expect(deps(`${m}-ad-join-prepare`)).toEqual([`${m}-base-apply`, "par-domain-domain-apply"].sort());
    }
    // The file server's Samba joins through winbind in its own samba step, after the domain (dev.test.ts).
    expect(r.resources.some((x) => x.name.startsWith("par-fs01-ad-join"))).toBe(false);
    expect(deps("par-fs01-samba-prepare")).toEqual(["par-domain-domain-apply", "par-fs01-raid1-apply"]);
    // The DHCP server's own steps come after its join, hence after the domain.
    expect(deps("par-dhcp01-kea-packages-prepare")).toEqual(["par-dhcp01-ad-join-apply", "par-domain-domain-apply"]);
    // A host that does not join gets no join step.
    expect(r.resources.some((x) => x.name.startsWith("par-web01-ad-join"))).toBe(false);
});

test("the domain's components, children and secrets", () => {
    expect(named("par-domain").type).toBe("billu:domain:Domain");
    expect(named("par-dc02").type).toBe("billu:domain:DomainController");
    expect(named("par-dc02").parent).toBe("urn:pulumi:labdc::billu-infra::billu:site:Site$billu:domain:Domain::par-domain");
    expect(named("par-dc02-vm").parent).toBe("urn:pulumi:labdc::billu-infra::billu:domain:DomainController$billu:compute:ProxmoxVm::par-dc02");
    // (The directory's initial passwords are pinned in directory.test.ts, mail's service account's in mail.test.ts, the
    // backup clients' credentials in backup.test.ts.)
    const passwords = r.resources.filter(
        (x) =>
            x.type === "random:index/randomPassword:RandomPassword" &&
            !x.name.startsWith("par-directory-") &&
            !x.name.startsWith("par-mail01-") &&
            !x.name.startsWith("backup-") &&
            // the Zabbix database's password, pinned in __tests__/synth/monitoring.test.ts
            !x.name.startsWith("par-mon01-") &&
            // the PBX's SIP secrets and voicemail PINs, pinned in __tests__/synth/pbx.test.ts
            !x.name.startsWith("par-pbx01-") &&
            // GLPI's database and LDAP account passwords, pinned in __tests__/synth/assets.test.ts
            !x.name.startsWith("par-glpi01-"),
    );
    expect(passwords.map((p) => [p.name, p.inputs.length, p.inputs.overrideSpecial])).toEqual([
        ["par-domain-admin-password", 24, "-_.:+="],
        ["par-domain-join-password", 24, "-_.:+="],
        // The SYSVOL rsync user's (letters and digits: it sits in rsyncd's `user:password` secrets file).
        ["par-domain-sysvol-password", 32, undefined],
    ]);
    expect(named("par-domain-sysvol-password").inputs.special).toBe(false);
    // LDAPS: one certificate per DC from the site CA, with the DC's names and address.
    expect(named("par-ca-par-dc02-ldaps-csr").inputs).toMatchObject({
        dnsNames: ["par-dc02.billu.remindme.lan", "billu.remindme.lan"],
        ipAddresses: ["10.20.10.12"],
    });
    // Every DC step gets its secrets on stdin only, and does not log.
    for (const n of [
        "par-dc01-dc-apply",
        "par-dc02-dc-apply",
        "par-domain-domain-apply",
        "par-mail01-ad-join-apply",
        "par-fs01-samba-apply",
        "par-domain-sysvol-source-par-dc02-apply",
        "par-domain-sysvol-pull-par-dc01-apply",
    ]) {
        expect([named(n).inputs.stdin, named(n).inputs.logging]).toEqual(["[secret]", "none"]);
    }
});

test("docs: DCs with their FSMO roles, DNS, sites and subnets", () => {
    const docs = readFileSync(path.join(out, "docs", "README.md"), "utf8");
    expect(docs).toContain("## Domain controllers");
    expect(docs).toContain(
        "| par-dc02.billu.remindme.lan | 10.20.10.12 | pve1 | debian-12 | samba | joins the forest | pdcEmulator, ridMaster, infrastructureMaster | 0.fr.pool.ntp.org |",
    );
    expect(docs).toContain("| pdcEmulator | PAR-DC02 |");
    expect(docs).toContain("| forwarders | 9.9.9.9 |");
    expect(docs).toContain("| PAR | 10.20.24.0/24 | lan-rh |");
    expect(docs).toContain("| PAR-FS01 | GRP-Linux-SSH | GRP-Linux-Sudo | svc-domain-join |");
});
