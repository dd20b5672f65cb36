/**
 * Logon: the acceptance account gets a Kerberos ticket from every DC, binds over LDAPS on every DC with the
 * certificate verified against the site CA (the stack's `caCertPem`), and logs on to a Linux member over SSH with
 * that ticket alone (the member's host key pinned from the stack's `knownHosts`). Its password reaches kinit on
 * stdin and ldapsearch through a 0600 file in the run's private folder, never a command line.
 */
import { writeFileSync } from "fs";
import * as path from "path";
import type { DomainModel } from "../../../model/domain";
import { InputError } from "../../../model/errors";
import { execTool, lastLine } from "../exec";
import type { Check, Scenario, ScenarioInput } from "../types";
import { runAccount } from "./account";

function krb5Conf(d: DomainModel, kdcs: readonly string[]): string {
    return [
        "[libdefaults]",
        `    default_realm = ${d.realm}`,
        "    dns_lookup_kdc = false",
        "    dns_lookup_realm = false",
        "    dns_canonicalize_hostname = false",
        "    rdns = false",
        "[realms]",
        `    ${d.realm} = {`,
        ...kdcs.map((k) => `        kdc = ${k}`),
        "    }",
        "[domain_realm]",
        `    .${d.fqdn} = ${d.realm}`,
        `    ${d.fqdn} = ${d.realm}`,
        "",
    ].join("\n");
}

function memberOf(input: ScenarioInput): string {
    const d = input.model.domain!;
    const m = input.member ?? d.members[0];
    if (!d.members.includes(m))
        throw new InputError([{ path: "--member", message: `${m} is not a Linux member of ${d.fqdn}`, fix: `name one of ${d.members.join(", ")}` }]);
    return m;
}

export const logonScenario: Scenario = {
    name: "logon",
    title: "Kerberos, LDAPS bind and SSH logon of the acceptance account",
    skip: (m) =>
        !m.domain ? "the site has no domain controller" : m.domain.members.length === 0 ? "the domain has no Linux member to log on to over SSH" : undefined,
    needs: ["account"],
    checks: (input) => {
        const d = input.model.domain!;
        const account = runAccount(input);
        const principal = `${account.name}@${d.realm}`;
        const work = (f: string) => path.join(input.workDir, f);
        const cache = `FILE:${work("krb5cc")}`;
        const files = () => {
            writeFileSync(work("password"), account.password, { mode: 0o600 });
            writeFileSync(work("ca.pem"), input.outputs.caCertPem ?? "", { mode: 0o600 });
        };
        const checks: Check[] = [];
        for (const dc of d.dcs) {
            const conf = work(`krb5-${dc.name}.conf`);
            checks.push({
                name: `Kerberos: ${principal} gets a ticket from ${dc.name}`,
                expected: `a ticket for krbtgt/${d.realm}@${d.realm}`,
                contacts: [`${dc.address} (kerberos)`],
                run: async () => {
                    writeFileSync(conf, krb5Conf(d, [dc.address]));
                    const env = { KRB5_CONFIG: conf, KRB5CCNAME: cache };
                    const k = await execTool("kinit", [principal], { stdin: `${account.password}\n`, env });
                    if (k.code !== 0) return { ok: false, observed: `kinit: ${lastLine(k.out)}` };
                    const l = await execTool("klist", [], { env });
                    const ok = l.out.includes(`krbtgt/${d.realm}@${d.realm}`);
                    return { ok, observed: ok ? `a ticket for krbtgt/${d.realm}@${d.realm}` : lastLine(l.out) };
                },
            });
            checks.push({
                name: `LDAPS bind as ${account.name} on ${dc.fqdn}, certificate verified against the site CA`,
                expected: `dn: CN=${account.name},...`,
                contacts: [`${dc.fqdn} (ldaps)`],
                run: async () => {
                    files();
                    const r = await execTool(
                        "ldapsearch",
                        [
                            "-LLL",
                            "-x",
                            "-H",
                            `ldaps://${dc.fqdn}`,
                            "-D",
                            `${account.name}@${d.fqdn}`,
                            "-y",
                            work("password"),
                            "-b",
                            d.dn,
                            `(sAMAccountName=${account.name})`,
                            "dn",
                        ],
                        { env: { LDAPTLS_CACERT: work("ca.pem"), LDAPTLS_REQCERT: "demand" } },
                    );
                    const dn = r.out.split("\n").find((l) => l.startsWith("dn: "));
                    const ok = r.code === 0 && dn !== undefined && dn.startsWith(`dn: CN=${account.name},`);
                    return { ok, observed: dn ?? `ldapsearch exit ${r.code}: ${lastLine(r.out)}` };
                },
            });
        }
        const member = memberOf(input);
        const host = input.model.host(member);
        const fqdn = `${member.toLowerCase()}.${d.fqdn}`;
        checks.push({
            name: `SSH to ${member} as ${account.name} with the Kerberos ticket alone`,
            expected: account.name,
            contacts: [`${fqdn} (ssh)`],
            run: async () => {
                const conf = work("krb5-all.conf");
                writeFileSync(
                    conf,
                    krb5Conf(
                        d,
                        d.dcs.map((x) => x.address),
                    ),
                );
                const known = work("known_hosts");
                writeFileSync(known, input.acceptNewHostKeys ? "" : `${String(input.outputs.knownHosts ?? "")}\n`);
                const address = host.nics[0].address;
                const r = await execTool(
                    "ssh",
                    [
                        ...["-o", "BatchMode=yes", "-o", "GSSAPIAuthentication=yes", "-o", "PreferredAuthentications=gssapi-with-mic"],
                        ...["-o", `UserKnownHostsFile=${known}`, "-o", `StrictHostKeyChecking=${input.acceptNewHostKeys ? "accept-new" : "yes"}`],
                        ...["-o", `HostKeyAlias=${address}`, "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"],
                        `${account.name}@${fqdn}`,
                        "id -un",
                    ],
                    { env: { KRB5_CONFIG: conf, KRB5CCNAME: cache } },
                );
                const got = lastLine(r.out);
                return { ok: r.code === 0 && got === account.name, observed: r.code === 0 ? got : `ssh exit ${r.code}: ${got}` };
            },
        });
        return checks;
    },
};
