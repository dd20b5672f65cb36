// Needs PHP's CLI (labs/assets/packages.txt): run by `npm run test:packaged`, not by `npm test`.
/**
 * Does GLPI 10 accept the REST API tokens the way glpi-site.php writes them (issue #21, the acceptance run's `ticket`
 * scenario)? GLPI 10.0 stores both as given and compares them as given (__tests__/packaged/glpi10-standin.php cites
 * the source lines): the API client's `app_token` column is what `checkAppToken()` searches for the request's
 * App-Token, and `User::getFromDBbyToken($user_token, 'api_token')` is plain equality on `glpi_users.api_token`. So
 * the shipped glpi-site.php (the renderer's copy, run by PHP against that stand-in, with dev's site.json) must write
 * exactly the stack's tokens: not encrypted like the mail collector's password, not hashed, no trailing newline from
 * the secret file; and its second run must find them equal (no write), or every apply would touch them.
 */
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { assetsFiles, GLPI_PATHS, renderComputersCsv, renderSiteJson } from "../../components/assets/render";
import type { AssetsPlan } from "../../model/assets";
import { model, stackRaw } from "../helpers";

const plan = model(stackRaw("dev")).plan<AssetsPlan>("assets")!;
const script = assetsFiles(plan).find((f) => f.path === GLPI_PATHS.siteScript)!.content;

type Row = Record<string, string | number | null>;
type Db = Record<string, Record<string, Row>>;

/** 40 letters and digits, as the stack's RandomPassword (special: false) makes them. */
const token = () => {
    const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return [...randomBytes(40)].map((b) => abc[b % abc.length]).join("");
};

/** GLPI 10.0's REST verdict on a request's App-Token and user_token, from the rows (src/Api/API.php, src/User.php). */
function restAccepts(db: Db, appToken: string, userToken: string): { app: boolean; user: string | null } {
    const clients = Object.values(db.APIClient ?? {}).filter((c) => Number(c.is_active) === 1);
    const user = Object.values(db.User ?? {}).find((u) => u.api_token === userToken && Number(u.is_active) === 1);
    return { app: clients.some((c) => c.app_token === appToken), user: user ? String(user.name) : null };
}

describe("glpi-site.php writes the REST API tokens as GLPI 10 compares them", () => {
    let dir: string;
    const apply = (tokens: { app: string; user: string }) => {
        writeFileSync(path.join(dir, "api-app-token"), `${tokens.app}\n`);
        writeFileSync(path.join(dir, "api-user-token"), `${tokens.user}\n`);
        const r = spawnSync(
            "php",
            [
                "-d",
                `auto_prepend_file=${path.join(dir, "prepend.php")}`,
                "-d",
                "display_errors=stderr",
                "-d",
                "log_errors=0",
                "-d",
                "error_reporting=-1",
                path.join(dir, "glpi-site.php"),
                path.join(dir, "site.json"),
            ],
            { encoding: "utf8", env: { ...process.env, BILLU_STANDIN_DB: path.join(dir, "db.json") } },
        );
        // The one warning expected: the prepend file defined GLPI_ROOT first (the stand-in's folder), so the script's
        // own define() of /usr/share/glpi is refused and the script includes the stand-in.
        const defineLine = script.split("\n").findIndex((l) => l.startsWith("define('GLPI_ROOT'")) + 1;
        const stderr = r.stderr
            .split("\n")
            .filter((l) => l.trim() !== "")
            .filter((l) => l !== `Warning: Constant GLPI_ROOT already defined in ${path.join(dir, "glpi-site.php")} on line ${defineLine}`);
        return {
            status: r.status,
            stderr,
            out: r.stdout.split("\n").filter((l) => l !== ""),
            db: JSON.parse(readFileSync(path.join(dir, "db.json"), "utf8")) as Db,
        };
    };

    beforeAll(() => {
        dir = mkdtempSync(path.join(tmpdir(), "billu-glpi-site-"));
        mkdirSync(path.join(dir, "inc"));
        copyFileSync(path.join(__dirname, "glpi10-standin.php"), path.join(dir, "inc", "includes.php"));
        writeFileSync(path.join(dir, "prepend.php"), `<?php\ndefine('GLPI_ROOT', ${JSON.stringify(dir)});\n`);
        writeFileSync(path.join(dir, "glpi-site.php"), script);
        writeFileSync(path.join(dir, "ldap-password"), "ldap-password-of-the-test\n");
        writeFileSync(path.join(dir, "computers.csv"), renderComputersCsv(plan));
        // dev's site.json with its files moved into the temp folder (the paths are the only change).
        const site = JSON.parse(renderSiteJson(plan));
        site.ldap.passwordFile = path.join(dir, "ldap-password");
        site.helpdesk.passwordFile = path.join(dir, "ldap-password");
        site.computers = path.join(dir, "computers.csv");
        site.api.appTokenFile = path.join(dir, "api-app-token");
        site.api.userTokenFile = path.join(dir, "api-user-token");
        writeFileSync(path.join(dir, "site.json"), JSON.stringify(site));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test("the stack's App-Token and API token open a REST session after the first run; other tokens do not", () => {
        expect(plan.api.user).toBeDefined();
        const tokens = { app: token(), user: token() };
        const first = apply(tokens);
        expect([first.status, first.stderr]).toEqual([0, []]);
        expect(first.out).toEqual(
            expect.arrayContaining([
                `billu: added APIClient ${JSON.stringify({ name: plan.api.client })}`,
                `billu: added User ${JSON.stringify({ name: plan.api.user })}`,
                "billu: GLPI's site settings are applied",
            ]),
        );
        const client = Object.values(first.db.APIClient).find((c) => c.name === plan.api.client)!;
        const user = Object.values(first.db.User).find((u) => u.name === plan.api.user)!;
        expect([client.app_token, client.is_active]).toEqual([tokens.app, 1]);
        expect([user.api_token, user.is_active]).toEqual([tokens.user, 1]);
        expect(restAccepts(first.db, tokens.app, tokens.user)).toEqual({ app: true, user: plan.api.user });
        expect(restAccepts(first.db, token(), token())).toEqual({ app: false, user: null });
    });

    test("a second run writes nothing; new stack tokens replace the old ones, which stop working", () => {
        const before = JSON.parse(readFileSync(path.join(dir, "db.json"), "utf8")) as Db;
        const client = Object.values(before.APIClient).find((c) => c.name === plan.api.client)!;
        const user = Object.values(before.User).find((u) => u.name === plan.api.user)!;
        const old = { app: String(client.app_token), user: String(user.api_token) };
        const again = apply(old);
        expect([again.status, again.stderr, again.out]).toEqual([0, [], ["billu: GLPI's site settings are applied"]]);

        const rotated = { app: token(), user: token() };
        const third = apply(rotated);
        expect([third.status, third.stderr]).toEqual([0, []]);
        expect(third.out).toEqual([
            `billu: updated APIClient ${JSON.stringify({ name: plan.api.client })} (app_token)`,
            `billu: updated User ${JSON.stringify({ name: plan.api.user })} (api_token)`,
            "billu: GLPI's site settings are applied",
        ]);
        expect(restAccepts(third.db, rotated.app, rotated.user)).toEqual({ app: true, user: plan.api.user });
        expect(restAccepts(third.db, old.app, old.user)).toEqual({ app: false, user: null });
    });
});
