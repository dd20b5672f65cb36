import { existsSync } from "fs";
import * as path from "path";
import { OS_KINDS } from "../../model/core";
import { configSchema, ROLE_CODES, ROLES } from "../../model/schema";
import { planningOrder, SERVICES, STATEFUL_ROLES } from "../../model/services/registry";
import { defineService, ServiceDescriptor } from "../../model/services/types";
import { ROOT, model, problemsOf, stackRaw } from "../helpers";

describe("the registry is the one list of services", () => {
    test("the host roles, their name codes, start order and the stateful roles come from the descriptors", () => {
        expect(ROLE_CODES).toEqual({
            firewall: "FW",
            dc: "DC",
            dhcp: "DHCP",
            fileserver: "FS",
            web: "WEB",
            mail: "MAIL",
            mx: "MX",
            ftp: "FTP",
            pbx: "PBX",
            assets: "GLPI",
            logs: "LOG",
            backup: "BKP",
            monitoring: "MON",
            wsus: "WSUS",
            member: "SRV",
            client: "CLI",
        });
        expect(ROLES).toEqual([
            "firewall",
            "dc",
            "dhcp",
            "fileserver",
            "wsus",
            "web",
            "mail",
            "mx",
            "ftp",
            "pbx",
            "assets",
            "logs",
            "backup",
            "monitoring",
            "member",
            "client",
        ]);
        expect(STATEFUL_ROLES).toEqual(["dc", "fileserver", "mail", "ftp", "pbx", "assets", "logs", "backup", "monitoring"]);
        const dev = model(stackRaw("dev"));
        expect(Object.fromEntries(dev.hosts.map((h) => [h.name, [h.startOrder, h.stateful]]))).toEqual({
            "PAR-FW01": [1, false],
            "PAR-DC01": [2, true],
            "PAR-DHCP01": [3, false],
            "PAR-FS01": [4, true],
            "PAR-MAIL01": [4, true],
            "PAR-WEB01": [5, false],
            "PAR-LOG01": [3, true],
            "PAR-BKP01": [3, true],
            "PAR-MON01": [5, true],
            "PAR-FTP01": [4, true],
            "PAR-PBX01": [4, true],
            "PAR-GLPI01": [5, true],
            "PAR-MX01": [5, false],
            // The client workstation starts last and keeps no data of its own.
            "PAR-CLI01": [7, false],
            "PAR-CLI02": [7, false],
        });
        expect(OS_KINDS).toEqual(["debian-12", "windows-2022-gui", "windows-2022-core", "windows-11-pro"]);
    });

    test("the config schema has the core's keys and every key a descriptor owns, nothing else", () => {
        const owned = SERVICES.flatMap((s) => Object.keys(s.config ?? {}));
        expect(Object.keys(configSchema.shape).sort()).toEqual(["guest", "hosts", "network", "proxmox", "site", ...owned].sort());
    });

    test("a role of the config is refused unless a descriptor declares it", () => {
        const raw = stackRaw("dev");
        raw.hosts[1].role = "voip";
        expect(problemsOf(raw)).toEqual([`billu:hosts[1].role: is "voip". Fix: use one of ${ROLES.join(", ")}`]);
    });

    test("planning follows after: every service after the services it reads", () => {
        const order = planningOrder().map((s) => s.key);
        for (const s of SERVICES) {
            for (const dep of s.after.map((a) => a.replace(/\?$/, "")).filter((a) => a !== "hosts")) {
                expect(order.indexOf(dep)).toBeLessThan(order.indexOf(s.key));
            }
        }
    });

    test("an after naming no service, or a cycle, is a programming error caught at load", () => {
        const d = (key: string, after: string[]): ServiceDescriptor => defineService({ key, title: key, after, plan: () => undefined });
        expect(() => planningOrder([d("a", ["nope"])])).toThrow("internal: service a is after nope, which is not in the registry");
        expect(() => planningOrder([d("a", ["b"]), d("b", ["a?"])])).toThrow("internal: the services' after lists form a cycle through a");
    });
});

/**
 * Every service of the registry has a model test, a render test, a synth test and a docs page. The files follow
 * the service's key (`__tests__/model/<key>.test.ts`, `__tests__/components/<key>-render.test.ts` or
 * `<key>.test.ts`, `__tests__/synth/<key>.test.ts`, `docs/services/<key>.md`); the services that came before the
 * registry keep the names they had, listed here.
 */
const EARLIER_NAMES: Readonly<Record<string, Partial<Record<"model" | "render" | "synth", string>>>> = {
    firewall: { model: "model/flows.test.ts", render: "components/firewall.test.ts" },
    vpn: { render: "model/vpn.test.ts", synth: "synth/vpn-bad-input.test.ts" },
    dc: { model: "model/domain.test.ts", render: "components/domain-controller.test.ts", synth: "synth/domain-prod.test.ts" },
    fileserver: { synth: "synth/fileserver-windows.test.ts" },
    directory: { render: "components/directory.test.ts" },
    base: { model: "model/guest-resolvers.test.ts", render: "components/base-render.test.ts", synth: "synth/dev.test.ts" },
};
/** Services with nothing of their own to render or plan, and why. */
const NOTHING_OF_ITS_OWN: Readonly<Record<string, string>> = {
    member: "a member server is a VM with the base step only: the base service's tests cover it",
};

describe.each(SERVICES.map((s) => [s.key, s] as const))("service %s", (key, service) => {
    const at = (p: string) => existsSync(path.join(ROOT, "__tests__", p));
    test("has a model test, a render test and a synth test", () => {
        if (NOTHING_OF_ITS_OWN[key]) return;
        const names = EARLIER_NAMES[key] ?? {};
        const missing = [
            at(names.model ?? `model/${key}.test.ts`) ? undefined : `model: __tests__/${names.model ?? `model/${key}.test.ts`}`,
            at(names.render ?? `components/${key}-render.test.ts`) || (!names.render && at(`components/${key}.test.ts`))
                ? undefined
                : `render: __tests__/${names.render ?? `components/${key}-render.test.ts`}`,
            at(names.synth ?? `synth/${key}.test.ts`) ? undefined : `synth: __tests__/${names.synth ?? `synth/${key}.test.ts`}`,
        ].filter((m) => m !== undefined);
        expect(missing).toEqual([]);
    });
    test("has its docs page", () => {
        const page = service.docs ?? `docs/services/${key}.md`;
        expect(existsSync(path.join(ROOT, page)) ? page : `missing ${page}`).toBe(page);
    });
});
