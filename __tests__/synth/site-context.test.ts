// The site threads what each role built into the next roles' context as new values (stacks/site.ts `advance`):
// a builder can neither change what the roles before it made ready nor see what roles after it make.
import type * as pulumi from "@pulumi/pulumi";
import type { SiteContext } from "../../components/context";
import { builtVm } from "../../components/context";
import { advance } from "../../stacks/site";

const res = (name: string) => ({ name }) as unknown as pulumi.Resource;
const start = (): SiteContext =>
    Object.freeze({
        model: undefined as never,
        renderDir: "/nowhere",
        ca: undefined as never,
        after: Object.freeze({ router: Object.freeze([]), domain: Object.freeze([]) }),
        vms: new Map(),
    });

test("the router's and the DCs' readiness, VMs and join secret reach the roles after them, and only those", () => {
    const c0 = start();
    const router = res("router-ready");
    const c1 = advance(c0, "firewall", { ready: [router], vms: new Map([["PAR-FW01", res("fw-vm")]]) });
    const dcReady = res("domain-ready");
    const password = "join" as unknown as pulumi.Output<string>;
    const c2 = advance(c1, "dc", { ready: [dcReady], vms: new Map([["PAR-DC01", res("dc-vm")]]), domainJoin: { password } });
    const c3 = advance(c2, "dhcp", { ready: [res("kea")], vms: new Map([["PAR-DHCP01", res("dhcp-vm")]]) });

    expect(c1.after).toEqual({ router: [router], domain: [] });
    expect(c2.after).toEqual({ router: [router], domain: [dcReady] });
    expect(c3.after).toEqual(c2.after); // a dhcp server's readiness is nobody's "after"
    expect(c3.domainJoin).toEqual({ password });
    expect([...c3.vms.keys()]).toEqual(["PAR-FW01", "PAR-DC01", "PAR-DHCP01"]);
    expect(builtVm(c3, "PAR-DC01")).toEqual(res("dc-vm"));
    // What an earlier role got is left as it was: no later role's result leaks back into it.
    expect(c0.after).toEqual({ router: [], domain: [] });
    expect(c0.vms.size).toBe(0);
    expect(c1.domainJoin).toBeUndefined();
    expect(() => builtVm(c1, "PAR-DC01")).toThrow("internal: PAR-DC01's VM is needed before its role was built");
});

test("a builder cannot push into what it was given", () => {
    const c = advance(start(), "firewall", { ready: [res("router-ready")], vms: new Map() });
    expect(() => (c.after.router as pulumi.Resource[]).push(res("late"))).toThrow(TypeError);
    expect(() => {
        (c as { domainJoin?: unknown }).domainJoin = { password: "x" };
    }).toThrow(TypeError);
    expect(c.after.router).toHaveLength(1);
});
