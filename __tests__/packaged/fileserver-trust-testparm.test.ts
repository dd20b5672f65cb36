// Needs Samba's testparm (the labs' packages): run by `npm run test:packaged`, not by `npm test`.
/**
 * The trust grant's share and the partner's idmap range in prod's PAR-FS01 smb.conf, as Samba itself reads them:
 * the samba step's own check (SMB_CONF_CHECK) passes, and testparm's parsed values are the model's (Pulumi.prod.yaml).
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderSmbConf, SMB_CONF_CHECK } from "../../components/fileserver/render";
import { model, stackRaw } from "../helpers";

const raw = stackRaw("prod");
const grant = raw.trust.grants[0];
const site = model(raw);
const plan = site.fileservers!.find((p) => p.host === grant.hosts[0])!;

function withConf(conf: string, f: (file: string) => void): void {
    const dir = mkdtempSync(path.join(tmpdir(), "fs-trust-"));
    try {
        const file = path.join(dir, "smb.conf");
        writeFileSync(file, conf);
        f(file);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
const check = (file: string) => spawnSync("sh", ["-c", SMB_CONF_CHECK.split("{}").join(`'${file}'`)], { encoding: "utf8" }).status;
const param = (file: string, section: string, name: string) =>
    spawnSync("testparm", ["-s", `--section-name=${section}`, `--parameter-name=${name}`, file], { encoding: "utf8" }).stdout.trim();

test("the samba step's check (testparm) accepts prod's PAR-FS01 smb.conf with the grant's share", () => {
    withConf(renderSmbConf(site, plan), (file) => expect(check(file)).toBe(0));
    // The check can fail: an unknown parameter in the share's section.
    withConf(renderSmbConf(site, plan).replace("[projets]\n", "[projets]\n    read onyl = yes\n"), (file) => expect(check(file)).toBe(1));
});

test("testparm reads the partner's idmap range and the share as the model declares them", () => {
    withConf(renderSmbConf(site, plan), (file) => {
        const netbios = raw.trust.partner.netbios;
        expect(param(file, "global", `idmap config ${netbios} : backend`)).toBe("rid");
        expect(param(file, "global", `idmap config ${netbios} : range`)).toBe("1000000-1999999");
        expect(param(file, grant.share.name, "path")).toBe(`${raw.fileserver.mountPoint}/${grant.share.name}`);
        expect(param(file, grant.share.name, "read only")).toBe(grant.share.access === "read" ? "Yes" : "No");
        expect(param(file, grant.share.name, "write list")).toBe('"@BILLU\\Domain Admins"');
        expect(param(file, grant.share.name, "valid users")).toBe(`"@BILLU\\Domain Admins" @BILLU\\${grant.group}`);
    });
});
