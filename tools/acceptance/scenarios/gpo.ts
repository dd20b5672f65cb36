/**
 * GPO application, as far as a Linux probe host can see it (issue #23): BillU's failed scenarios came from GPOs a
 * client did not apply. A Windows client applies a GPO when it finds, as the user or computer it runs for: the GPO's
 * object in LDAP (readable: Authenticated Users keep Read even on a filtered GPO), a gPLink on its OU (or the domain)
 * naming it, and the GPO's SYSVOL folder (its gPCFileSysPath) whose GPT.INI Version equals the object's versionNumber:
 * when the two differ the client takes the GPO as not yet replicated and keeps its old settings ([MS-GPOL] 3.2.5.1.5).
 *
 * As the acceptance account, on the DC the GPOs are written on (the plan's `dc`, the PDC emulator, as GPMC writes):
 * one LDAPS search of the Policies container (certificate verified against the site CA), one of the gPLinks, then for
 * every GPO of the model its GPT.INI read over SMB from the path its object names. What the model expects (the GPOs by
 * display name, the OUs, the link order and enforcement) comes from the model's GPO plan, never from the DC.
 *
 * Not provable here, stated in docs/services/gpo.md: that a Windows client applies them (RSoP, `gpresult /r`), which
 * needs a Windows probe host; the other DCs' copies (SYSVOL replication between Samba DCs, #17).
 */
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import type { GposPlan } from "../../../model/gpo";
import { execTool, lastLine } from "../exec";
import type { Check, Scenario, ScenarioInput } from "../types";
import { runAccount } from "./account";

/** One LDIF entry: attribute (lower-case) -> values, `dn` included; base64 (`attr:: `) values decoded. */
export type LdifEntry = Map<string, string[]>;

/** ldapsearch's LDIF (`-o ldif-wrap=no`, folded lines joined anyway) as entries. */
export function parseLdif(text: string): LdifEntry[] {
    const lines: string[] = [];
    for (const raw of text.split("\n")) {
        const l = raw.replace(/\r$/, "");
        if (l.startsWith(" ") && lines.length > 0 && lines[lines.length - 1] !== "") lines[lines.length - 1] += l.slice(1);
        else lines.push(l);
    }
    const entries: LdifEntry[] = [];
    let cur: LdifEntry | undefined;
    for (const l of lines) {
        if (l === "" || l.startsWith("#")) {
            cur = undefined;
            continue;
        }
        const i = l.indexOf(":");
        if (i <= 0) continue;
        const attr = l.slice(0, i).toLowerCase();
        const value = l[i + 1] === ":" ? Buffer.from(l.slice(i + 2).trim(), "base64").toString("utf8") : l.slice(i + 1).trim();
        if (!cur) entries.push((cur = new Map()));
        cur.set(attr, [...(cur.get(attr) ?? []), value]);
    }
    return entries;
}

/** gPLink's GPO DNs in link order (order 1 first: the attribute's last entry, [MS-GPOL] 2.2.2), lower-case, with their options. */
export function parseGpLink(value: string): { dn: string; enforced: boolean; disabled: boolean }[] {
    return [...value.matchAll(/\[LDAP:\/\/([^;\]]+);(\d+)\]/gi)]
        .map((m) => ({ dn: m[1].toLowerCase(), enforced: (Number(m[2]) & 2) !== 0, disabled: (Number(m[2]) & 1) !== 0 }))
        .reverse();
}

/** GPT.INI's Version (its [General] section), or undefined; the file in UTF-8/ANSI, or UTF-16LE with its BOM. */
export function gptIniVersion(bytes: Buffer): number | undefined {
    const text = bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2).toString("utf16le") : bytes.toString("utf8");
    const m = /^\s*Version\s*=\s*(\d+)\s*$/im.exec(text);
    return m ? Number(m[1]) : undefined;
}

/** A gPCFileSysPath (`\\<domain>\SysVol\<domain>\Policies\{GUID}`) as a path in the DC's `sysvol` share; undefined outside it. */
export function sysvolPath(fileSysPath: string, domain: string): string | undefined {
    const prefix = `\\\\${domain}\\sysvol\\`;
    if (!fileSysPath.toLowerCase().startsWith(prefix.toLowerCase())) return undefined;
    return fileSysPath.slice(prefix.length).replace(/\\/g, "/");
}

interface GpoFound {
    readonly dn: string;
    readonly version: number;
    readonly fileSysPath: string;
}

/** `displayName` -> the GPO objects of that name the account can read. */
type GpoIndex = Map<string, GpoFound[]>;

export const gpoScenario: Scenario = {
    name: "gpo",
    title: "every GPO the model links is visible where a Windows client looks: LDAP, gPLink, SYSVOL's GPT.INI",
    skip: (m) => {
        const plan = m.plan<GposPlan>("gpo");
        return !plan ? "the site has no Group Policy (billu:gpo)" : plan.gpos.length === 0 ? "billu:gpo plans no GPO" : undefined;
    },
    needs: ["account"],
    checks: (input: ScenarioInput) => {
        const plan = input.model.plan<GposPlan>("gpo")!;
        const d = input.model.domain!;
        const dc = d.dcs.find((x) => x.name === plan.dc) ?? d.dcs[0];
        const account = runAccount(input);
        const work = (f: string) => path.join(input.workDir, f);
        const policiesDn = `CN=Policies,CN=System,${plan.domainDn}`;
        const ldaps = async (base: string, scope: string, filter: string, attrs: string[]) => {
            writeFileSync(work("password"), account.password, { mode: 0o600 });
            writeFileSync(work("ca.pem"), typeof input.outputs.caCertPem === "string" ? input.outputs.caCertPem : "", { mode: 0o600 });
            const r = await execTool(
                "ldapsearch",
                [
                    ...["-LLL", "-o", "ldif-wrap=no", "-x", "-H", `ldaps://${dc.fqdn}`],
                    ...["-D", `${account.name}@${d.fqdn}`, "-y", work("password"), "-b", base, "-s", scope, filter, ...attrs],
                ],
                { env: { LDAPTLS_CACERT: work("ca.pem"), LDAPTLS_REQCERT: "demand" } },
            );
            if (r.code !== 0) throw new Error(`ldapsearch -b ${base} exit ${r.code}: ${lastLine(r.out)}`);
            return parseLdif(r.out);
        };
        let gpos: Promise<GpoIndex> | undefined;
        const found = () =>
            (gpos ??= ldaps(policiesDn, "one", "(objectClass=groupPolicyContainer)", ["displayName", "versionNumber", "gPCFileSysPath"]).then((es) => {
                const idx: GpoIndex = new Map();
                for (const e of es) {
                    const name = e.get("displayname")?.[0];
                    if (name === undefined) continue;
                    const g = { dn: e.get("dn")![0], version: Number(e.get("versionnumber")?.[0] ?? NaN), fileSysPath: e.get("gpcfilesyspath")?.[0] ?? "" };
                    idx.set(name, [...(idx.get(name) ?? []), g]);
                }
                return idx;
            }));
        let links: Promise<Map<string, string>> | undefined;
        const gplinks = () =>
            (links ??= ldaps(plan.domainDn, "sub", "(gPLink=*)", ["gPLink"]).then(
                (es) => new Map(es.map((e) => [e.get("dn")![0].toLowerCase(), e.get("gplink")?.[0] ?? ""] as const)),
            ));
        const one = async (name: string) => {
            const all = (await found()).get(name) ?? [];
            if (all.length !== 1) throw new Error(`${all.length} GPO(s) named "${name}" readable as ${account.name} in ${policiesDn}`);
            return all[0];
        };
        const contactsLdap = [`${dc.fqdn} (ldaps)`];
        const checks: Check[] = [];
        for (const g of plan.gpos) {
            checks.push({
                name: `GPO "${g.name}": its object in LDAP, readable as ${account.name}`,
                expected: `one groupPolicyContainer named "${g.name}" under ${policiesDn}`,
                contacts: contactsLdap,
                run: async () => {
                    const x = await one(g.name);
                    return { ok: true, observed: `${x.dn.split(",")[0]}, versionNumber ${x.version}` };
                },
            });
        }
        for (const l of plan.links) {
            const want = l.gpos.map((x) => `${x.name}${x.enforced ? " (enforced)" : ""}`);
            checks.push({
                name: `gPLink of ${l.dn}: the model's GPOs in link order`,
                expected: want.map((w, i) => `${i + 1}. ${w}`).join("; "),
                contacts: contactsLdap,
                run: async () => {
                    const idx = await found();
                    const nameOf = new Map([...idx].flatMap(([n, xs]) => xs.map((x) => [x.dn.toLowerCase(), n] as const)));
                    const value = (await gplinks()).get(l.dn.toLowerCase());
                    if (value === undefined) return { ok: false, observed: `no gPLink on ${l.dn}` };
                    const have = parseGpLink(value).map(
                        (x) => `${nameOf.get(x.dn) ?? x.dn}${x.enforced ? " (enforced)" : ""}${x.disabled ? " (disabled)" : ""}`,
                    );
                    // The model's links hold orders 1..n; links to GPOs it does not manage may follow (Default Domain Policy).
                    const managed = new Set(plan.gpos.map((x) => x.name));
                    const rest = have.slice(want.length).filter((h) => managed.has(h.replace(/ \((enforced|disabled)\)/g, "")));
                    const ok = want.every((w, i) => have[i] === w) && rest.length === 0;
                    return { ok, observed: have.map((h, i) => `${i + 1}. ${h}`).join("; ") || "(empty)" };
                },
            });
        }
        for (const g of plan.gpos) {
            checks.push({
                name: `GPO "${g.name}": GPT.INI in its SYSVOL folder (gPCFileSysPath, over SMB) has the object's versionNumber`,
                expected: "GPT.INI Version = versionNumber",
                contacts: [...contactsLdap, `${dc.address} (smb)`],
                run: async () => {
                    const x = await one(g.name);
                    const rel = sysvolPath(x.fileSysPath, d.fqdn);
                    if (rel === undefined) return { ok: false, observed: `gPCFileSysPath ${JSON.stringify(x.fileSysPath)} is not in \\\\${d.fqdn}\\SYSVOL` };
                    const dir = work("gpt");
                    mkdirSync(dir, { recursive: true });
                    const local = path.join(dir, `${x.dn.split(",")[0].replace(/[^A-Za-z0-9-]/g, "")}.ini`);
                    writeFileSync(work("smb.conf"), "[global]\n    client min protocol = SMB3\n");
                    writeFileSync(work("smb.auth"), `username = ${account.name}\npassword = ${account.password}\ndomain = ${d.netbiosName}\n`, { mode: 0o600 });
                    // smbclient's get takes a \-separated path in double quotes; the GUID folders hold no quote.
                    const r = await execTool("smbclient", [
                        ...["-s", work("smb.conf"), "-A", work("smb.auth"), `//${dc.address}/sysvol`],
                        ...["-c", `get "${rel.replace(/\//g, "\\")}\\GPT.INI" "${local}"`],
                    ]);
                    if (r.code !== 0) return { ok: false, observed: `smbclient //${dc.address}/sysvol get ${rel}/GPT.INI: exit ${r.code}: ${lastLine(r.out)}` };
                    const v = gptIniVersion(readFileSync(local));
                    if (v === undefined) return { ok: false, observed: `${rel}/GPT.INI has no Version= line` };
                    return { ok: v === x.version, observed: `GPT.INI Version=${v}, versionNumber ${x.version}` };
                },
            });
        }
        return checks;
    },
};
