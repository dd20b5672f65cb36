/**
 * scripts/monitoring/zabbix-access.py (the `monitoring-config` step's accounts: Admin's generated password, the
 * read-only API account), run by python3 against a fake Zabbix JSON-RPC API in this process that keeps users, roles,
 * user groups and host groups as Zabbix 6.0 returns them. The real API's verdicts (the stock password replaced, the
 * read-only account's writes refused) are labs/monitoring's.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../helpers";

const SCRIPT = path.join(ROOT, "scripts", "monitoring", "zabbix-access.py");
const STOCK = ["zab", "bix"].join(""); // the package's documented first password
const GENERATED = "Gen3ratedAdminPassw0rd";
const READER = "Gen3ratedReaderPassw0rd";

interface User {
    userid: string;
    username: string;
    password: string;
    roleid: string;
    usrgrps: { usrgrpid: string }[];
}
interface Fake {
    users: User[];
    roles: { roleid: string; name: string; type: string; rules: Record<string, unknown> }[];
    usergroups: { usrgrpid: string; name: string; gui_access: string; users_status: string; rights: { permission: string; id: string }[] }[];
    hostgroups: { groupid: string; name: string }[];
    templates: { host: string; groups: { groupid: string; name: string }[] }[];
    /** Every call's method, in order (user.login's included). */
    calls: string[];
}

function fresh(): Fake {
    return {
        users: [{ userid: "1", username: "Admin", password: STOCK, roleid: "3", usrgrps: [{ usrgrpid: "7" }] }],
        roles: [],
        usergroups: [],
        hostgroups: [
            { groupid: "20", name: "BillU/role/web" },
            { groupid: "21", name: "BillU/zone/dmz" },
            { groupid: "22", name: "BillU/templates" },
            { groupid: "23", name: "Templates/Operating systems" },
        ],
        templates: [
            { host: "BillU Apache HTTPS", groups: [{ groupid: "22", name: "BillU/templates" }] },
            { host: "Linux by Zabbix agent active", groups: [{ groupid: "23", name: "Templates/Operating systems" }] },
        ],
        calls: [],
    };
}

const DOC = {
    version: 1,
    hostGroups: ["BillU/role/web", "BillU/zone/dmz"],
    hosts: [{ host: "PAR-WEB01", templates: ["BillU Apache HTTPS", "Linux by Zabbix agent active"] }],
};

let fake: Fake;
let server: http.Server;
let url: string;
let dir: string;
let next = 100;
const id = () => String(next++);
const named = <T extends { name: string }>(list: T[], p: { filter?: { name?: string[] } }) => list.filter((x) => p.filter?.name?.includes(x.name));
const refused = (data: string) => ({ error: { code: -32602, message: "Invalid params.", data } });

function answer(method: string, p: any): unknown {
    switch (method) {
        case "apiinfo.version":
            return { result: "6.0.14" };
        case "user.login": {
            const u = fake.users.find((x) => x.username === p.username && x.password === p.password);
            return u ? { result: `token-${u.userid}-${id()}` } : refused("Incorrect user name or password or account is temporarily blocked.");
        }
        case "user.logout":
            return { result: true };
        case "user.get":
            return {
                result: fake.users.filter((x) => p.filter.username.includes(x.username)).map(({ userid, roleid, usrgrps }) => ({ userid, roleid, usrgrps })),
            };
        case "user.create":
            fake.users.push({ userid: id(), username: p.username, password: p.passwd, roleid: p.roleid, usrgrps: p.usrgrps });
            return { result: { userids: [fake.users[fake.users.length - 1].userid] } };
        case "user.update": {
            const u = fake.users.find((x) => x.userid === p.userid)!;
            if (p.passwd !== undefined) u.password = p.passwd;
            if (p.roleid !== undefined) u.roleid = p.roleid;
            if (p.usrgrps !== undefined) u.usrgrps = p.usrgrps;
            return { result: { userids: [u.userid] } };
        }
        case "hostgroup.get":
            return { result: named(fake.hostgroups, p) };
        case "template.get":
            return { result: fake.templates.filter((t) => p.filter.host.includes(t.host)) };
        case "role.get":
            return { result: named(fake.roles, p) };
        case "role.create":
            fake.roles.push({ roleid: id(), name: p.name, type: String(p.type), rules: p.rules });
            return { result: { roleids: [fake.roles[fake.roles.length - 1].roleid] } };
        case "role.update":
            Object.assign(
                fake.roles.find((r) => r.roleid === p.roleid)!,
                { type: String(p.type), rules: p.rules },
            );
            return { result: { roleids: [p.roleid] } };
        case "usergroup.get":
            return { result: named(fake.usergroups, p) };
        case "usergroup.create":
            fake.usergroups.push({ usrgrpid: id(), name: p.name, gui_access: String(p.gui_access), users_status: String(p.users_status), rights: p.rights });
            return { result: { usrgrpids: [fake.usergroups[fake.usergroups.length - 1].usrgrpid] } };
        case "usergroup.update":
            Object.assign(
                fake.usergroups.find((g) => g.usrgrpid === p.usrgrpid)!,
                { rights: p.rights },
            );
            return { result: { usrgrpids: [p.usrgrpid] } };
        default:
            return { error: { code: -32601, message: "Method not found.", data: method } };
    }
}

beforeAll(async () => {
    server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const call = JSON.parse(body) as { method: string; params: unknown; id: number };
            fake.calls.push(call.method);
            res.setHeader("Content-Type", "application/json");
            res.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, ...(answer(call.method, call.params) as object) }));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api_jsonrpc.php`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
    fake = fresh();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zbxaccess-"));
    fs.writeFileSync(path.join(dir, "doc.json"), JSON.stringify(DOC));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the script asynchronously (the fake API answers from this process's event loop). */
function run(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const p = spawn("python3", [SCRIPT, "--url", url, "--wait", "5", ...args]);
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (c) => (stdout += c));
        p.stderr.on("data", (c) => (stderr += c));
        p.on("close", (code) => resolve({ code, stdout, stderr }));
        p.stdin.end(stdin);
    });
}
const admin = () => run(["admin"], `admin_password=${GENERATED}\n`);
const reader = () =>
    run(
        ["reader", "--document", path.join(dir, "doc.json"), "--username", "api-reader", "--group", "BillU API read-only", "--role", "BillU API read-only"],
        `admin_password=${GENERATED}\nreader_password=${READER}\n`,
    );

describe("admin: Admin's generated password", () => {
    it("on a fresh server, logs on with the stock password and replaces it by the generated one", async () => {
        const r = await admin();
        expect([r.code, r.stderr]).toEqual([0, ""]);
        expect(r.stdout).toBe("replaced Admin's stock password by the generated one\nzabbix-access: 1 change(s)\n");
        expect(fake.users[0].password).toBe(GENERATED);
        // Tried the generated one first, then the stock one; logged on again after the change (it ends the session).
        expect(fake.calls).toEqual(["apiinfo.version", "user.login", "user.login", "user.get", "user.update", "user.login", "user.logout"]);
    });

    it("a second run logs on with the generated password and changes nothing", async () => {
        await admin();
        fake.calls = [];
        const r = await admin();
        expect([r.code, r.stdout, r.stderr]).toEqual([0, "zabbix-access: no change\n", ""]);
        expect(fake.calls).toEqual(["apiinfo.version", "user.login", "user.logout"]);
    });

    it("when Zabbix refuses both passwords (changed by hand), exits 4 and says how to recover", async () => {
        fake.users[0].password = "set-by-hand";
        const r = await admin();
        expect(r.code).toBe(4);
        expect(r.stdout).toBe("");
        expect(r.stderr).toBe(
            "zabbix-access: Zabbix refuses Admin's generated password and the stock one: Admin's password was changed by hand. " +
                "Fix: set Admin's password back to Zabbix's stock one, on PAR-MON01: sudo -u postgres psql zabbix -c " +
                "\"UPDATE users SET passwd = '$2y$10$92nDno4n0Zm7Ej7Jfsz8WukBfgSS/U0QkIuu8WkJPihXBb2A1UrEK' WHERE username = 'Admin'\", " +
                "then run the step again (pulumi up --replace <the monitoring-config step's apply command URN>): it sets the generated password again\n",
        );
        expect(fake.users[0].password).toBe("set-by-hand");
    });

    it("refuses a stdin without the password, naming it (exit 2, no API call)", async () => {
        const r = await run(["admin"], "reader_password=x\n");
        expect([r.code, r.stdout]).toEqual([2, ""]);
        expect(r.stderr).toBe("zabbix-access: stdin: no admin_password line. Fix: feed `<name>=<value>` lines on stdin (the step does)\n");
        expect(fake.calls).toEqual([]);
    });

    it("an API that never answers fails within --wait with exit 3", async () => {
        const dead = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const p = spawn("python3", [SCRIPT, "--url", "http://127.0.0.1:9/api_jsonrpc.php", "--wait", "1", "admin"]);
            let stderr = "";
            p.stderr.on("data", (c) => (stderr += c));
            p.on("close", (code) => resolve({ code, stderr }));
            p.stdin.end(`admin_password=${GENERATED}\n`);
        });
        expect(dead.code).toBe(3);
        expect(dead.stderr).toMatch(
            /^zabbix-access: apiinfo\.version: cannot reach the Zabbix API at http:\/\/127\.0\.0\.1:9\/api_jsonrpc\.php: .* \(waited 1 s\)\n$/,
        );
    });
});

describe("reader: the read-only API account", () => {
    it("creates a User role allowed the read methods only, a group reading the document's and its templates' groups, and the user", async () => {
        await admin();
        const r = await reader();
        expect([r.code, r.stderr]).toEqual([0, ""]);
        expect(r.stdout).toBe(
            "created role BillU API read-only\ncreated user group BillU API read-only\ncreated user api-reader\nzabbix-access: 3 change(s)\n",
        );
        expect(fake.roles.map((x) => [x.name, x.type, x.rules])).toEqual([
            ["BillU API read-only", "1", { "api.access": 1, "api.mode": 1, api: ["*.get", "user.logout"] }],
        ]);
        const g = fake.usergroups[0];
        expect([g.name, g.gui_access, g.users_status]).toEqual(["BillU API read-only", "0", "0"]);
        // read (2) on the document's host groups and the groups of the templates its hosts link, nothing else
        expect(g.rights).toEqual([
            { permission: 2, id: "20" },
            { permission: 2, id: "21" },
            { permission: 2, id: "22" },
            { permission: 2, id: "23" },
        ]);
        const u = fake.users.find((x) => x.username === "api-reader")!;
        expect([u.password, u.roleid, u.usrgrps]).toEqual([READER, fake.roles[0].roleid, [{ usrgrpid: g.usrgrpid }]]);
        expect(r.stdout + r.stderr).not.toContain(READER);
        expect(r.stdout + r.stderr).not.toContain(GENERATED);
    });

    it("a second run changes nothing", async () => {
        await admin();
        await reader();
        const r = await reader();
        expect([r.code, r.stdout, r.stderr]).toEqual([0, "zabbix-access: no change\n", ""]);
    });

    it("puts back what was changed by hand: the role's API rules, the group's rights, the user's password", async () => {
        await admin();
        await reader();
        fake.roles[0].rules = { "api.access": "1", "api.mode": "0", api: [] };
        fake.usergroups[0].rights = [{ permission: "3", id: "20" }];
        fake.users.find((x) => x.username === "api-reader")!.password = "changed";
        const r = await reader();
        expect([r.code, r.stderr]).toEqual([0, ""]);
        expect(r.stdout).toBe(
            "updated role BillU API read-only (rules)\nupdated user group BillU API read-only (rights)\nset the password of api-reader\nzabbix-access: 3 change(s)\n",
        );
        expect(fake.users.find((x) => x.username === "api-reader")!.password).toBe(READER);
    });

    it("refuses to run before the document's host groups exist, naming them (exit 3)", async () => {
        await admin();
        fake.hostgroups = fake.hostgroups.filter((g) => g.name !== "BillU/zone/dmz");
        const r = await reader();
        expect([r.code, r.stdout]).toEqual([3, ""]);
        expect(r.stderr).toBe("zabbix-access: hostgroup.get: no host group BillU/zone/dmz: run zabbix-config.py with this document first\n");
    });
});
