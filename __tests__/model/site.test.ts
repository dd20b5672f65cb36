import { problemsOf, model, stackRaw } from "../helpers";

const DEV_HOSTS = stackRaw("dev").hosts.length;

describe("committed stacks", () => {
    test.each(["dev", "prod"])("%s builds a valid model", (stack) => {
        const m = model(stackRaw(stack));
        expect(m.router.name).toBe("PAR-FW01");
        expect(m.zones.filter((z) => z.kind === "department")).toHaveLength(9);
    });

    test("prod spreads three DCs over three nodes and protects stateful VMs", () => {
        const m = model(stackRaw("prod"));
        const dcs = m.hostsByRole("dc");
        expect(dcs.map((d) => d.node)).toEqual(["pve1", "pve2", "pve3"]);
        expect(m.site.protectStateful).toBe(true);
        expect(model(stackRaw("dev")).site.protectStateful).toBe(false);
    });

    test("every department of the HR export has its zone, with its headcount", () => {
        const m = model(stackRaw("prod"));
        const depts = m.zones.filter((z) => z.kind === "department").map((z) => [z.department, m.headcount.get(z.department!)]);
        expect(Object.fromEntries(depts)).toEqual({
            Direction: 1,
            DSI: 29,
            "Développement logiciel": 40,
            "Finance et Comptabilité": 19,
            "Ressources humaines": 16,
            "Service commercial": 29,
            "Service juridique": 8,
            QHSE: 14,
            "Communication et Relations publiques": 11,
        });
    });

    test("the router has one NIC per zone, management first, default route only on WAN", () => {
        const m = model(stackRaw("dev"));
        expect(m.router.nics.map((n) => `${n.ifname}=${n.zone}`).slice(0, 3)).toEqual(["eth0=management", "eth1=wan", "eth2=servers"]);
        expect(m.router.nics).toHaveLength(m.zones.length);
        expect(m.router.nics.filter((n) => n.gateway)).toEqual([expect.objectContaining({ zone: "wan", gateway: "198.51.100.1" })]);
    });
});

describe("bad input: one clear message each (key path, value received, fix)", () => {
    const cases: [string, (r: Record<string, any>) => void, string][] = [
        [
            "overlapping zones",
            (r) => (r.network.zones[5].cidr = "10.20.20.0/23"),
            "billu:network.zones[5].cidr: 10.20.20.0/23 (lan-dsi) overlaps 10.20.20.0/24 (lan-direction, billu:network.zones[4]). Fix: give each zone its own non-overlapping network",
        ],
        [
            "a host outside its zone",
            (r) => (r.hosts[1].address = "10.20.11.11"),
            "billu:hosts[1].address: 10.20.11.11 is outside zone servers (10.20.10.0/24). Fix: pick a usable address inside 10.20.10.0/24, or move the host to the zone that holds it",
        ],
        [
            "a host inside a DHCP pool",
            (r) => {
                r.hosts[4].zone = "lan-dsi";
                r.hosts[4].address = "10.20.21.120";
            },
            "billu:hosts[4].address: 10.20.21.120 is inside the DHCP pool 10.20.21.100-10.20.21.250 of zone lan-dsi. Fix: pick a static address outside the pool, or shrink the pool",
        ],
        [
            "a duplicate host name",
            (r) => r.hosts.push({ ...r.hosts[2], address: "10.20.10.22", vmId: 121 }),
            // The pushed host's index: one past dev's last host.
            `billu:hosts[${DEV_HOSTS}].name: "PAR-DHCP01" is already the name of billu:hosts[2]. Fix: give every host a unique name`,
        ],
        [
            "a duplicate address",
            (r) => (r.hosts[2].address = "10.20.10.11"),
            "billu:hosts[2].address: 10.20.10.11 is already the address of billu:hosts[1] (PAR-DC01). Fix: give every host its own address",
        ],
        [
            "a duplicate VLAN id",
            (r) => (r.network.zones[3].vlanId = 100),
            "billu:network.zones[3].vlanId: 100 is already the VLAN id of billu:network.zones[2] (servers). Fix: give every zone its own VLAN id",
        ],
        [
            "a duplicate VM id",
            (r) => (r.hosts[3].vmId = 110),
            "billu:hosts[3].vmId: 110 is already the VM id of billu:hosts[1] (PAR-DC01). Fix: give every host its own VM id",
        ],
        [
            "a VLAN id out of range",
            (r) => (r.network.zones[2].vlanId = 4095),
            "billu:network.zones[2].vlanId: 4095 is out of range. Fix: use a VLAN id from 1 to 4094",
        ],
        [
            "a host name breaking the naming convention",
            (r) => (r.hosts[2].name = "dhcp-server"),
            'billu:hosts[2].name: "dhcp-server" does not follow the naming convention <SITE>-<ROLE><NN>[-<TAG>] (expected PAR-DHCP01, PAR-DHCP02, ...). Fix: rename the host to follow the naming convention (README, "Naming")',
        ],
        [
            "a role code that does not match the role",
            (r) => (r.hosts[2].name = "PAR-DC02"),
            'billu:hosts[2].name: "PAR-DC02" does not follow the naming convention <SITE>-<ROLE><NN>[-<TAG>] (expected PAR-DHCP01, PAR-DHCP02, ...). Fix: rename the host to follow the naming convention (README, "Naming")',
        ],
        [
            "a Windows name too long for NetBIOS",
            (r) => {
                r.hosts[1].os = "windows-2022-core";
                r.hosts[1].name = "PAR-DC01-PRIMARY";
            },
            'billu:hosts[1].name: "PAR-DC01-PRIMARY" is 16 characters long, more than the 15 a Windows (NetBIOS) name allows. Fix: rename the host to follow the naming convention (README, "Naming")',
        ],
        [
            "an unknown zone",
            (r) => (r.hosts[2].zone = "serveurs"),
            'billu:hosts[2].zone: "serveurs" is not a zone of billu:network.zones. Fix: use one of wan, management, servers, dmz, lan-direction, lan-dsi, lan-dev, lan-finance, lan-rh, lan-commercial, lan-juridique, lan-qhse, lan-com',
        ],
        [
            "an unknown template",
            (r) => {
                delete r.proxmox.templates["windows-2022-core"];
                r.hosts[1].os = "windows-2022-core";
            },
            'billu:hosts[1].os: "windows-2022-core" has no template on node pve1. Fix: add billu:proxmox.templates.windows-2022-core.pve1 (the VM id of the template on that node), or pick another OS or node',
        ],
        [
            "an unknown Proxmox node",
            (r) => (r.hosts[4].node = "pve9"),
            'billu:hosts[4].node: "pve9" is not a node of billu:proxmox.nodes. Fix: use one of pve1',
        ],
        [
            "a department zone naming no department of the HR export",
            (r) => (r.network.zones[6].department = "R&D"),
            'billu:network.zones[6].department: "R&D" is not a Departement of the HR export data/billu-hr.csv. Fix: use one of Communication et Relations publiques, DSI, Direction, Développement logiciel, Finance et Comptabilité, QHSE, Ressources humaines, Service commercial, Service juridique',
        ],
        [
            "a missing required key",
            (r) => delete r.site.domain,
            'billu:site.domain: is required but missing. Fix: set billu:site.domain in the stack config (see README, "Configuration")',
        ],
        [
            "a malformed CIDR",
            (r) => (r.network.zones[2].cidr = "10.20.10.5/24"),
            'billu:network.zones[2].cidr: "10.20.10.5/24" is not a valid IPv4 network in CIDR notation. Fix: write the network address, 10.20.10.0/24',
        ],
        [
            "a CIDR that is not one at all",
            (r) => (r.network.zones[2].cidr = "10.20.10.0/33"),
            'billu:network.zones[2].cidr: "10.20.10.0/33" is not a valid IPv4 network in CIDR notation. Fix: write a network address and a prefix length, e.g. 10.10.20.0/24',
        ],
    ];

    test.each(cases)("%s", (name, mutate, message) => {
        const raw = stackRaw("dev");
        // Without the flow matrix: a flow naming the broken host or zone would be reported as well. A department's
        // name is no endpoint: the matrix stays, and the services that need it (the web server, every host's
        // resolvers) are still checked, and pass.
        if (name !== "a department zone naming no department of the HR export") raw.flows = [];
        mutate(raw);
        expect(problemsOf(raw)).toEqual([message]);
    });

    test("every problem of a config is reported at once", () => {
        const raw = stackRaw("dev");
        raw.flows = [];
        raw.network.zones[2].vlanId = 4095;
        raw.hosts[4].node = "pve9";
        raw.hosts[2].name = "dhcp-server";
        expect(problemsOf(raw)).toHaveLength(3);
    });

    test.each([
        ["a department zone", 6],
        ["the servers zone", 2],
    ])("one bad CIDR of %s is its one problem: no follow-on errors from the HR export, DHCP, hosts or flows", (_name, i) => {
        // The committed flows, DHCP scopes and reservations stay: each of them names the zone.
        const raw = stackRaw("dev");
        raw.network.zones[i].cidr = "10.20.300.0/24";
        expect(problemsOf(raw)).toEqual([
            `billu:network.zones[${i}].cidr: "10.20.300.0/24" is not a valid IPv4 network in CIDR notation. Fix: write a network address and a prefix length, e.g. 10.10.20.0/24`,
        ]);
    });

    test("an unknown key is refused, not ignored", () => {
        const raw = stackRaw("dev");
        raw.site.domian = "x";
        expect(problemsOf(raw)).toEqual(['billu:site: has unknown key domian. Fix: remove or rename them (see README, "Configuration")']);
    });
});
