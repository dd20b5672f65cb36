/**
 * The client role through the service seam: dev's PAR-CLI01 synthesized: a BaseServer without the SSSD join, the first
 * DC's `client-ou` step after the directory, its `client-join` step after the base step, the domain and that
 * delegation, the join password through the secret channel only, the rendered smb.conf the model's. Expected values
 * from the model (the plan), never from the rendered files. dev's PAR-CLI02, the Windows 11 flavor: its VM from the
 * windows-11-pro template with UEFI and a TPM 2.0, its `client-join` (PowerShell, the join password on stdin only), the
 * reboot wait, then `client-rsop`.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { ClientPlan } from "../../model/client";
import { model, orderingDeps, stackRaw } from "../helpers";
import { WINDOWS_CLIENT_OS } from "../../model/core";
import { committedSynth, SYNTH_TIMEOUT, Synthesized } from "./shared";

const raw = stackRaw("dev");
const plan = model(raw).plan<ClientPlan>("client")!;
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
    // Both clients' OUs, once each: PAR-CLI01's (DSI) and PAR-CLI02's (Finance et Comptabilité).
    expect(plan.delegatedOus).toEqual(plan.clients.map((c) => c.ou));
    expect(plan.delegatedOus.length).toBe(2);
});

test("the rendered smb.conf names the plan's realm, workgroup and idmap", () => {
    const c = plan.clients[0];
    const conf = readFileSync(path.join(s.out, "rendered", c.name, "etc/samba/smb.conf"), "utf8");
    expect(conf).toContain(`    realm = ${plan.realm}\n`);
    expect(conf).toContain(`    idmap config ${plan.workgroup} : range = ${plan.idmap.domain.low}-${plan.idmap.domain.high}\n`);
    const run = readFileSync(path.join(s.out, "rendered", c.name, "var/lib/billu/stage/client-join/run.sh"), "utf8");
    expect(run).toContain(`net ads join -s /etc/samba/smb.conf -A "$auth" `);
});

describe("PAR-CLI02, the Windows 11 client", () => {
    const c = plan.clients.find((x) => x.flavor === "windows")!;
    const host = (raw.hosts as { name: string; os: string; vmId: number; node: string; disks: { datastore: string }[] }[]).find((h) => h.name === c.name)!;
    const named = (n: string) => {
        const r = s.r.resources.find((x) => x.name === n);
        if (!r) throw new Error(`no resource ${n}`);
        return r;
    };
    const name = c.name.toLowerCase();

    test("the plan: PAR-CLI02, Windows, in lan-finance's department OU", () => {
        expect([c.name, c.flavor, c.zone, host.os]).toEqual(["PAR-CLI02", "windows", "lan-finance", WINDOWS_CLIENT_OS]);
        expect(c.ou).toBe("OU=Finance et Comptabilité,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan");
    });

    test("its VM: cloned from the windows-11-pro template, win11, UEFI (OVMF, q35, a 4m EFI disk with Microsoft's keys) and a TPM 2.0", () => {
        const vm = named(`${name}-vm`).inputs;
        expect(vm.clone).toMatchObject({ vmId: raw.proxmox.templates[WINDOWS_CLIENT_OS][host.node], nodeName: host.node, full: true });
        expect(vm.vmId).toBe(host.vmId);
        expect(vm.operatingSystem).toEqual({ type: "win11" });
        expect([vm.bios, vm.machine]).toEqual(["ovmf", "q35"]);
        expect(vm.efiDisk).toEqual({ datastoreId: host.disks[0].datastore, type: "4m", preEnrolledKeys: true, fileFormat: "raw" });
        expect(vm.tpmState).toEqual({ datastoreId: host.disks[0].datastore, version: "v2.0" });
        expect((vm.initialization as { type: string }).type).toBe("configdrive2");
        // The Debian client keeps SeaBIOS: no firmware key at all.
        const debian = named("par-cli01-vm").inputs;
        expect([debian.bios, debian.machine, debian.efiDisk, debian.tpmState]).toEqual([undefined, undefined, undefined, undefined]);
    });

    test("client-join: PowerShell over SSH, after its base step, the domain, the directory and the OU's delegation; the password on stdin only", () => {
        const apply = named(`${name}-client-join-apply`);
        expect(apply.inputs.create).toMatch(
            /^powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:\/ProgramData\/billu\/stage\/client-join\/run.ps1"/,
        );
        expect([apply.inputs.stdin, apply.inputs.logging]).toEqual(["[secret]", "none"]);
        const prepare = named(`${name}-client-join-prepare`);
        const urn = (n: string) => named(n).urn;
        expect(orderingDeps(prepare)).toEqual(
            expect.arrayContaining([urn(`${name}-base-apply`), urn("par-client-ou-apply"), urn("par-directory-apply-apply")]),
        );
        expect(s.r.resources.map((x) => x.name)).not.toContain(`${name}-ad-join-apply`);
    });

    test("client-join's rendered data: the plan's OU (base64 of its UTF-8), the domain, the join account, the DCs as DNS", () => {
        const run = readFileSync(path.join(s.out, "rendered", c.name, "C/ProgramData/billu/stage/client-join/run.ps1"), "utf8");
        const d = model(raw).domain!;
        expect(run).toContain(`\r\n$OU_PATH_UTF8_B64 = '${Buffer.from(c.ou, "utf8").toString("base64")}'\r\n`);
        expect(run).toContain(`\r\n$DOMAIN_FQDN = '${d.fqdn}'\r\n`);
        expect(run).toContain(`\r\n$JOIN_ACCOUNT = '${d.joinAccount}'\r\n`);
        expect(run).toContain(`\r\n$DNS_SERVERS = '${d.dcs.map((x) => x.address).join(" ")}'\r\n`);
        expect(run).toContain("Add-Computer -DomainName $DOMAIN_FQDN -OUPath $OU_PATH -Credential $credential -Force @rename");
        // Every byte of the script ASCII: Windows PowerShell reads a BOM-less file in the ANSI code page.
        expect(/^[\x00-\x7f]*$/.test(run)).toBe(true);
    });

    test("the reboot wait follows the join (reads its mark), client-rsop follows the wait; client-rsop's output is logged", () => {
        const wait = named(`${name}-reboot-wait`);
        expect(wait.type).toBe("command:local:Command");
        expect(orderingDeps(wait)).toEqual([named(`${name}-client-join-apply`).urn]);
        expect(wait.inputs.create).toContain(`DC_ADDRESS='${c.address}'`);
        const rsop = named(`${name}-client-rsop-prepare`);
        expect(orderingDeps(rsop)).toEqual([wait.urn]);
        const apply = named(`${name}-client-rsop-apply`);
        expect([apply.inputs.logging, apply.inputs.stdin]).toEqual(["stdoutAndStderr", undefined]);
        const run = readFileSync(path.join(s.out, "rendered", c.name, "C/ProgramData/billu/stage/client-rsop/run.ps1"), "utf8");
        expect(run).toContain("gpresult.exe /scope computer /x $report /f");
    });
});
