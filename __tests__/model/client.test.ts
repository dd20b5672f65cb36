/**
 * The client plan (model/client.ts): dev's PAR-CLI01 and every bad input with its exact message. Expected values are
 * written from the committed stack (Pulumi.dev.yaml) and dev's HR export (the DSI department), not read back from the
 * planner.
 */
import { ClientPlan, planClients } from "../../model/client";
import { Problems, formatProblem } from "../../model/errors";
import { model, problemsOf, stackRaw } from "../helpers";

const dev = () => stackRaw("dev");
const clientIndex = (raw: Record<string, any>) => (raw.hosts as { role: string }[]).findIndex((h) => h.role === "client");

describe("the client plan", () => {
    test("dev: PAR-CLI01 in lan-dsi (Debian), PAR-CLI02 in lan-finance (Windows 11), the domain's workgroup and realm, the site's idmap and templates", () => {
        const p = model(dev()).plan<ClientPlan>("client")!;
        // lan-dsi serves the DSI department: its computers OU of the directory (OU=<company>/Ordinateurs/<department>).
        const ou = "OU=DSI,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan";
        // lan-finance serves "Finance et Comptabilité".
        const finance = "OU=Finance et Comptabilité,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan";
        expect(p.clients).toEqual([
            {
                name: "PAR-CLI01",
                flavor: "debian",
                fqdn: "par-cli01.billu.remindme.lan",
                zone: "lan-dsi",
                address: "10.20.21.30",
                ou,
                createComputer: "BillU/Ordinateurs/DSI",
            },
            {
                name: "PAR-CLI02",
                flavor: "windows",
                fqdn: "par-cli02.billu.remindme.lan",
                zone: "lan-finance",
                address: "10.20.23.30",
                ou: finance,
                createComputer: "BillU/Ordinateurs/Finance et Comptabilité",
            },
        ]);
        expect(p.delegatedOus).toEqual([ou, finance]);
        expect([p.workgroup, p.realm, p.homeTemplate, p.shell]).toEqual(["BILLU", "BILLU.REMINDME.LAN", "/home/%U", "/bin/bash"]);
        expect(p.idmap).toEqual({ other: { low: 3000, high: 7999 }, domain: { low: 10000, high: 999999 } });
    });

    test("prod has no client: no plan", () => {
        expect(model(stackRaw("prod")).plan<ClientPlan>("client")).toBeUndefined();
    });

    test("a client that does not join the domain", () => {
        const raw = dev();
        const i = clientIndex(raw);
        delete raw.hosts[i].joinDomain;
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].joinDomain: is not true on client PAR-CLI01: a client is a domain workstation. Fix: set joinDomain: true`,
        ]);
    });

    test("a client outside a department zone", () => {
        const raw = dev();
        const i = clientIndex(raw);
        Object.assign(raw.hosts[i], { zone: "servers", address: "10.20.10.99" });
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].zone: "servers" (a servers zone) for client PAR-CLI01: workstations sit with the staff. Fix: put the client in a department zone`,
        ]);
    });

    test("a client on a Windows Server template: the domain's joinDomain problem; the client is not planned over a failed domain", () => {
        const raw = dev();
        const i = clientIndex(raw);
        raw.hosts[i].os = "windows-2022-gui";
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].joinDomain: is true on PAR-CLI01 (windows-2022-gui). Fix: set joinDomain only on Debian members and Windows 11 clients (a DC is the domain; Windows servers are not joined by this program)`,
        ]);
    });

    test("a client on a Windows Server template without joinDomain: the client's os and joinDomain problems", () => {
        const raw = dev();
        const i = clientIndex(raw);
        raw.hosts[i].os = "windows-2022-gui";
        delete raw.hosts[i].joinDomain;
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].os: "windows-2022-gui" on client PAR-CLI01: a client is a Debian desktop or a Windows 11 workstation, not a server. Fix: set os: debian-12 or os: windows-11-pro`,
            `billu:hosts[${i}].joinDomain: is not true on client PAR-CLI01: a client is a domain workstation. Fix: set joinDomain: true`,
        ]);
    });

    test("the Windows 11 template on a server role: refused at the host's os", () => {
        const raw = dev();
        const i = (raw.hosts as { name: string }[]).findIndex((h) => h.name === "PAR-FTP01");
        raw.hosts[i].os = "windows-11-pro";
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].os: "windows-11-pro" on PAR-FTP01 (role ftp): the Windows 11 template is for clients only. Fix: use debian-12, windows-2022-gui or windows-2022-core for a server`,
        ]);
    });

    test("the Windows 11 template with no template VM id on the node: refused at the host's os", () => {
        const raw = dev();
        delete raw.proxmox.templates["windows-11-pro"];
        const i = (raw.hosts as { name: string }[]).findIndex((h) => h.name === "PAR-CLI02");
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].os: "windows-11-pro" has no template on node pve1. Fix: add billu:proxmox.templates.windows-11-pro.pve1 (the VM id of the template on that node), or pick another OS or node`,
        ]);
    });

    test("a Windows client on a site where no Debian host joins: no join account to join with (planClients, pure)", () => {
        const m = model(dev());
        const problems = new Problems();
        const host = { name: "PAR-CLI02", role: "client", os: "windows-11-pro", zone: "lan-finance", address: "10.20.23.30", joinDomain: true, index: 4 };
        const p = planClients({ hosts: [host], zones: m.zones, domain: { ...m.domain!, members: [] } }, problems);
        expect(p).toBeUndefined();
        expect(problems.all.map(formatProblem)).toEqual([
            `billu:hosts[4].os: "windows-11-pro" on client PAR-CLI02: a Windows client joins with billu:domain.joinAccount, which the domain creates only when a Debian host joins (joinDomain: true). Fix: add a Debian client or member with joinDomain: true to the site (a Windows-only site's join account is not built yet)`,
        ]);
    });

    test("PAR-CLI02 given PAR-CLI01's VM id, then its address: each clash refused", () => {
        const raw = dev();
        const i = (raw.hosts as { name: string }[]).findIndex((h) => h.name === "PAR-CLI02");
        raw.hosts[i].vmId = 220;
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].vmId: 220 is already the VM id of billu:hosts[${i - 1}] (PAR-CLI01). Fix: give every host its own VM id`,
        ]);
        const raw2 = dev();
        Object.assign(raw2.hosts[i], { zone: "lan-dsi", address: "10.20.21.30" });
        expect(problemsOf(raw2)).toEqual([
            `billu:hosts[${i}].address: 10.20.21.30 is already the address of billu:hosts[${i - 1}] (PAR-CLI01). Fix: give every host its own address`,
        ]);
    });

    describe("the client's OU (planClients, pure)", () => {
        const m = model(dev());
        const domain = m.domain!;
        const host = { name: "PAR-CLI01", role: "client", os: "debian-12", zone: "lan-x", address: "10.0.0.5", joinDomain: true, index: 7 };
        const ous = (dept: string) => [
            { key: "root", name: "BillU", dn: `OU=BillU,${domain.dn}` },
            { key: "computers", name: "Ordinateurs", dn: `OU=Ordinateurs,OU=BillU,${domain.dn}` },
            { key: "computers-x", name: dept, dn: `OU=${dept.replace(/,/g, "\\,")},OU=Ordinateurs,OU=BillU,${domain.dn}` },
        ];
        const plan = (department: string | undefined, directoryOus?: ReturnType<typeof ous>) => {
            const problems = new Problems();
            const p = planClients({ hosts: [host], zones: [{ name: "lan-x", kind: "department", department }], domain, directoryOus }, problems);
            return { p, problems: problems.all.map(formatProblem) };
        };

        test("no directory: the domain's Computers container, net's default (no createcomputer=), nothing to delegate", () => {
            const { p, problems } = plan("DSI");
            expect(problems).toEqual([]);
            expect(p!.clients[0]).toMatchObject({ ou: "CN=Computers,DC=billu,DC=remindme,DC=lan" });
            expect(p!.clients[0].createComputer).toBeUndefined();
            expect(p!.delegatedOus).toEqual([]);
        });

        test("a department whose name needs escaping: the DN and net's path escape it as an RDN value", () => {
            const { p, problems } = plan("R&D, Labo", ous("R&D, Labo"));
            expect(problems).toEqual([]);
            expect(p!.clients[0]).toMatchObject({
                ou: "OU=R&D\\, Labo,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan",
                createComputer: "BillU/Ordinateurs/R&D\\, Labo",
            });
        });

        test("a department with no computers OU in the directory plan", () => {
            const { p, problems } = plan("Achats", ous("DSI"));
            expect(p).toBeUndefined();
            expect(problems).toEqual([
                'billu:hosts[7].zone: "lan-x" for client PAR-CLI01: its department "Achats" has no computers OU in the directory plan (nobody of the HR export works there). Fix: put the client in the zone of a department of the HR export',
            ]);
        });

        test("a zone without a department", () => {
            const { p, problems } = plan(undefined, ous("DSI"));
            expect(p).toBeUndefined();
            expect(problems).toEqual([
                'billu:hosts[7].zone: "lan-x" for client PAR-CLI01: its department is not set. Fix: put the client in the zone of a department of the HR export',
            ]);
        });

        test("a department with a slash: net's createcomputer= path cannot carry it", () => {
            const { p, problems } = plan("Achats/Ventes", ous("Achats/Ventes"));
            expect(p).toBeUndefined();
            expect(problems).toEqual([
                'billu:hosts[7].zone: "lan-x" for client PAR-CLI01: the OU name "Achats/Ventes" holds a "/", which net ads join\'s createcomputer= path cannot carry. Fix: rename the department (or company) without a "/" in the HR export',
            ]);
        });
    });
});
