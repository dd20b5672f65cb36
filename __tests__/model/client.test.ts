/**
 * The client plan (model/client.ts): dev's PAR-CLI01 and every bad input with its exact message. Expected values are
 * written from the committed stack (Pulumi.dev.yaml), not read back from the planner.
 */
import type { ClientPlan } from "../../model/client";
import { devWithClient } from "../client-fixture";
import { model, problemsOf, stackRaw } from "../helpers";

const dev = devWithClient;
const clientIndex = (raw: Record<string, any>) => (raw.hosts as { role: string }[]).findIndex((h) => h.role === "client");

describe("the client plan", () => {
    test("dev: PAR-CLI01 in lan-dsi, the domain's workgroup and realm, the site's idmap and templates", () => {
        const p = model(dev()).plan<ClientPlan>("client")!;
        expect(p.clients).toEqual([{ name: "PAR-CLI01", fqdn: "par-cli01.billu.remindme.lan", zone: "lan-dsi", address: "10.20.21.30" }]);
        expect([p.workgroup, p.realm, p.homeTemplate, p.shell]).toEqual(["BILLU", "BILLU.REMINDME.LAN", "/home/%U", "/bin/bash"]);
        expect(p.idmap).toEqual({ other: { low: 3000, high: 7999 }, domain: { low: 10000, high: 999999 } });
    });

    test("the committed stacks have no client yet: no plan", () => {
        expect(model(stackRaw("dev")).plan<ClientPlan>("client")).toBeUndefined();
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

    test("a Windows client (no template built yet): the domain's joinDomain problem; the client is not planned over a failed domain", () => {
        const raw = dev();
        const i = clientIndex(raw);
        raw.hosts[i].os = "windows-2022-gui";
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].joinDomain: is true on PAR-CLI01 (windows-2022-gui). Fix: set joinDomain only on Debian member servers (a DC is the domain; Windows members are not joined by this program)`,
        ]);
    });

    test("a Windows client without joinDomain: the client's os and joinDomain problems", () => {
        const raw = dev();
        const i = clientIndex(raw);
        raw.hosts[i].os = "windows-2022-gui";
        delete raw.hosts[i].joinDomain;
        expect(problemsOf(raw)).toEqual([
            `billu:hosts[${i}].os: "windows-2022-gui" on client PAR-CLI01: a client is a Debian desktop (no Windows client template is built yet). Fix: set os: debian-12`,
            `billu:hosts[${i}].joinDomain: is not true on client PAR-CLI01: a client is a domain workstation. Fix: set joinDomain: true`,
        ]);
    });
});
