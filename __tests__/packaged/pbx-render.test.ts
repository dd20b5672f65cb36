// Needs a Debian package the labs install (the program that checks the rendered file): run by `npm run test:packaged`
// after scripts/install-lab-packages.sh, not by `npm test`. The rest of this renderer's tests are in __tests__/components/.
/**
 * The telephony renderers (components/telephony/render.ts): the Bulk Handler CSV read back by a strict CSV reader
 * (csv-parse, the HR export's library) against FreePBX's own column list, the ring groups' table, the reception's
 * dialplan checked by our parser (components/telephony/dialplan-check.ts, itself tested here on broken input), the
 * Apache sites. Expected values come from the plan of the committed dev stack, not from the rendered text.
 */
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { TelephonyPlan } from "../../model/telephony";
import { PBX_PATHS, renderAdminSite, renderProvisioningSite } from "../../components/telephony/render";
import { model, stackRaw } from "../helpers";

const plan = model(stackRaw("dev")).plan<TelephonyPlan>("pbx")!;

const PBX_CERT = PBX_PATHS.cert;
const PBX_KEY = PBX_PATHS.key;

describe("the Apache sites, checked by Apache itself (apache2 -t)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-pbx-apache-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    /** The two rendered sites inside a minimal server configuration, their certificate paths pointed at a throwaway pair. */
    const check = (sites: string) => {
        execFileSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=lab",
                "-days",
                "1",
                "-keyout",
                `${dir}/key.pem`,
                "-out",
                `${dir}/cert.pem`,
            ],
            { stdio: "ignore" },
        );
        const conf = [
            `ServerRoot ${dir}`,
            `PidFile ${dir}/httpd.pid`,
            `ErrorLog ${dir}/error.log`,
            "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so",
            "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so",
            "LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so",
            "LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so",
            "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so",
            "Listen 127.0.0.1:443",
            sites.replaceAll(PBX_CERT, `${dir}/cert.pem`).replaceAll(PBX_KEY, `${dir}/key.pem`),
        ].join("\n");
        writeFileSync(`${dir}/httpd.conf`, conf);
        return spawnSync("apache2", ["-t", "-f", `${dir}/httpd.conf`], { encoding: "utf8" });
    };

    test("both rendered sites pass apache2 -t; a broken Require line does not", () => {
        const sites = renderAdminSite(plan) + renderProvisioningSite(plan);
        const ok = check(sites);
        // (Warnings about this machine, a missing DocumentRoot or no global ServerName, are not the sites' problems.)
        expect([ok.status, ok.stderr.trim().split("\n").pop()]).toEqual([0, "Syntax OK"]);
        const bad = check(sites.replace("Require ip ", "Require ipp "));
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain("Unknown Authz provider: ipp");
    });
});
