/**
 * The client-join step's rendering (components/client/render.ts): smb.conf's winbind member lines from the model, the
 * step's files, script data and secret channel. Expected values from Pulumi.dev.yaml and model/client.ts's idmap.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { ClientPlan } from "../../model/client";
import { clientJoinStep, clientOuStep, renderClientSmbConf } from "../../components/client/render";
import { model, stackRaw } from "../helpers";

const site = model(stackRaw("dev"));
const plan = site.plan<ClientPlan>("client")!;
const cli = plan.clients[0];

describe("client-join", () => {
    test("smb.conf: a winbind member of dev's domain with the site's idmap and templates", () => {
        const text = renderClientSmbConf(plan, cli);
        const lines = text.split("\n").map((l) => l.trim());
        for (const want of [
            "workgroup = BILLU",
            "realm = BILLU.REMINDME.LAN",
            "netbios name = PAR-CLI01",
            "security = ads",
            "idmap config * : backend = tdb",
            "idmap config * : range = 3000-7999",
            "idmap config BILLU : backend = rid",
            "idmap config BILLU : range = 10000-999999",
            "template homedir = /home/%U",
            "template shell = /bin/bash",
            "client signing = required",
        ]) {
            expect(lines).toContain(want);
        }
    });

    const testparm = (() => {
        try {
            execFileSync("testparm", ["--version"], { stdio: "ignore" });
            return true;
        } catch {
            return false;
        }
    })();
    (testparm ? test : test.skip)("smb.conf: testparm (Samba's own parser) accepts it with no warning and keeps the idmap", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "billu-client-"));
        const f = path.join(dir, "smb.conf");
        writeFileSync(f, renderClientSmbConf(plan, cli));
        const out = execFileSync("testparm", ["-s", "--suppress-prompt", f], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        expect(out).toContain("idmap config billu : range = 10000-999999");
        expect(out).toContain("security = ADS");
    });

    test("the step: krb5.conf and smb.conf, the script's data, the join password through the secret channel only", () => {
        const step = clientJoinStep(site.domain!, plan, cli);
        expect(step.files.map((f) => f.path)).toEqual(["/etc/krb5.conf", "/etc/samba/smb.conf"]);
        expect(step.secrets).toEqual(["join-password"]);
        expect(step.script).toContain("HOST_NAME='PAR-CLI01'");
        expect(step.script).toContain("REALM='BILLU.REMINDME.LAN'");
        expect(step.script).toContain("JOIN_ACCOUNT='svc-domain-join'");
        expect(step.script).toContain("DC_FQDN='par-dc01.billu.remindme.lan'");
        // lan-dsi's department DSI: its computers OU, as net's createcomputer= path, passed only when set.
        expect(step.script).toContain("CREATE_COMPUTER='BillU/Ordinateurs/DSI'");
        expect(step.script).toContain(`if [ -n "$CREATE_COMPUTER" ]; then set -- "createcomputer=$CREATE_COMPUTER"; else set --; fi`);
        expect(step.script).toContain(`"dnshostname=$HOST_FQDN" "$@" --no-dns-updates`);
        // The password goes from billu_secret into a 0600 authentication file of the step's private work folder
        // (billu_begin's umask 077), which net reads with -A; never an argument.
        expect(step.script).toContain(`auth="$BILLU_WORK/join.auth"`);
        expect(step.script).toContain(`printf 'password = '; billu_secret join-password; printf '\\n'; } >"$auth"`);
        expect(step.script).toContain(`net ads join -s /etc/samba/smb.conf -A "$auth" `);
        expect(step.script).not.toMatch(/-U "?\$JOIN_ACCOUNT%/);
    });

    test("without a directory OU (the Computers container): CREATE_COMPUTER empty, net's default", () => {
        const step = clientJoinStep(site.domain!, plan, { ...cli, ou: `CN=Computers,${site.domain!.dn}`, createComputer: undefined });
        expect(step.script).toContain("CREATE_COMPUTER=''");
    });
});

describe("client-ou", () => {
    const ou = "OU=DSI,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan";
    test("Samba: the join account's delegation on the client's OU, the computer class's schemaIDGUID, no secret", () => {
        const step = clientOuStep(site.domain!, plan)!;
        expect(step.files).toEqual([]);
        expect(step.secrets).toBeUndefined();
        expect(step.script).toContain("DOMAIN_DN='DC=billu,DC=remindme,DC=lan'");
        expect(step.script).toContain("JOIN_ACCOUNT='svc-domain-join'");
        // MS-ADSC: the computer class's schemaIDGUID.
        expect(step.script).toContain("COMPUTER_CLASS='bf967a86-0de6-11d0-a285-00aa003049e2'");
        expect(step.script).toContain(`COMPUTER_OUS='${ou}'`);
        expect(step.script).toContain(`--sddl="(OA;CI;CCDC;$COMPUTER_CLASS;;$sid)(OA;CIIO;CCDCLCSWRPWPDTLOCRSDRCWDWO;;$COMPUTER_CLASS;$sid)"`);
    });

    test("two clients in one OU: one delegation; none when no client joins a directory OU", () => {
        const two = { ...plan, delegatedOus: [ou, "OU=QHSE,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan"] };
        expect(clientOuStep(site.domain!, two)!.script).toContain(`COMPUTER_OUS='${ou}\nOU=QHSE,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan'`);
        expect(clientOuStep(site.domain!, { ...plan, delegatedOus: [] })).toBeUndefined();
    });

    test("Windows DCs: dsacls on each OU for DOMAIN\\account", () => {
        const step = clientOuStep({ ...site.domain!, flavor: "windows" }, plan)!;
        expect(step.script).toContain("$NETBIOS_NAME = 'BILLU'");
        expect(step.script).toContain(`$COMPUTER_OUS = '${ou}'`);
        expect(step.script).toContain('dsacls.exe $ou /I:T /G "${trustee}:CCDC;computer"');
    });
});
