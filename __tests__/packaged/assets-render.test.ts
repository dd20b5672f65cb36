// Needs a Debian package the labs install (the program that checks the rendered file): run by `npm run test:packaged`
// after scripts/install-lab-packages.sh, not by `npm test`. The rest of this renderer's tests are in __tests__/components/.
/**
 * The GLPI renderers (components/assets/render.ts) from dev's plan: the lines that carry the guarantees, the
 * pre-registered workstations against the directory plan, PHP's own parser (`php -l`) on every PHP file the step
 * ships, Apache's own check (`apache2 -t`) on the site, and the step's secrets only as placeholders. MariaDB's verdict
 * on the grants and the agent's run wait for a lab (docs/services/assets.md).
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { assetsFiles, GLPI_PATHS, renderApacheSite } from "../../components/assets/render";
import type { AssetsPlan } from "../../model/assets";
import { model, stackRaw } from "../helpers";

const dev = model(stackRaw("dev"));
const plan = dev.plan<AssetsPlan>("assets")!;

test("every PHP file the step ships is accepted by PHP's own parser (php -l), and a broken one is not", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-glpi-php-"));
    try {
        const php = assetsFiles(plan).filter((f) => f.path.endsWith(".php"));
        expect(php.map((f) => f.path).sort()).toEqual([GLPI_PATHS.configDb, GLPI_PATHS.downstream, GLPI_PATHS.localDefine, GLPI_PATHS.siteScript].sort());
        const verdicts = [...php.map((f) => ({ name: path.basename(f.path), content: f.content })), { name: "broken.php", content: "<?php\nclass DB {\n" }].map(
            (f) => {
                const p = path.join(dir, f.name);
                writeFileSync(p, f.content);
                return [f.name, spawnSync("php", ["-l", p], { encoding: "utf8" }).status];
            },
        );
        expect(verdicts).toEqual([...php.map((f) => [path.basename(f.path), 0]), ["broken.php", 255]]);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("Apache's own check (apache2 -t) accepts the rendered site with the modules the step enables, and refuses a broken copy", () => {
    // Test-only overrides: the certificate and document root paths point into a temp folder (a throwaway certificate);
    // the site's text is otherwise the renderer's.
    const dir = mkdtempSync(path.join(tmpdir(), "billu-glpi-apache-"));
    try {
        const key = path.join(dir, "key.pem");
        const cert = path.join(dir, "cert.pem");
        const made = spawnSync("openssl", [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "1",
            "-subj",
            `/CN=${plan.fqdn}`,
        ]);
        expect(made.status).toBe(0);
        const site = renderApacheSite(plan).replace(GLPI_PATHS.cert, cert).replace(GLPI_PATHS.key, key).split(`${GLPI_PATHS.code}/public`).join(dir);
        const modules = ["mpm_event", "authz_core", "alias", "headers", "rewrite", "proxy", "proxy_fcgi", "setenvif", "ssl", "mime"];
        const conf = (sitePath: string) =>
            [
                "ServerRoot /etc/apache2",
                `PidFile ${dir}/httpd.pid`,
                `ErrorLog ${dir}/error.log`,
                `Define APACHE_LOG_DIR ${dir}`,
                `ServerName ${plan.fqdn}`,
                ...modules.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
                "Listen 127.0.0.1:18443",
                `Include ${sitePath}`,
                "",
            ].join("\n");
        const check = (text: string) => {
            writeFileSync(path.join(dir, "site.conf"), text);
            writeFileSync(path.join(dir, "httpd.conf"), conf(path.join(dir, "site.conf")));
            return spawnSync("apache2", ["-t", "-f", path.join(dir, "httpd.conf")], { encoding: "utf8" });
        };
        const ok = check(site);
        expect([ok.status, ok.stderr.trim()]).toEqual([0, "Syntax OK"]);
        const broken = check(site.replace("SSLEngine on", "SSLEngine maybe"));
        expect(broken.status).toBe(1);
        expect(broken.stderr).toContain("Argument must be On or Off");
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
