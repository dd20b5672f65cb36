/**
 * DNS: every host's A and PTR record, and every record a service asked for (the web names, the mail domain's MX),
 * answered by every DC as the model plans them.
 */
import { promises as dns } from "dns";
import { recordData } from "../../../model/domain";
import type { Check, Scenario } from "../types";

const resolverFor = (server: string) => {
    const r = new dns.Resolver({ timeout: 2000, tries: 2 });
    r.setServers([server]);
    return r;
};
const sorted = (xs: readonly string[]) => [...xs].sort().join(", ") || "(none)";
const failure = (e: unknown) => ({ ok: false, observed: (e as { code?: string }).code ?? String(e) });

export const dnsScenario: Scenario = {
    name: "dns",
    title: "every host's A and PTR record and the services' records, on every DC",
    skip: (m) => (m.domain ? undefined : "the site has no domain controller (no internal DNS)"),
    checks: ({ model }) => {
        const d = model.domain!;
        const checks: Check[] = [];
        for (const dc of d.dcs) {
            const r = resolverFor(dc.address);
            for (const rec of d.records) {
                const fqdn = `${rec.name}.${d.fqdn}`;
                if (rec.a)
                    checks.push({
                        name: `A ${fqdn} (asking ${dc.name})`,
                        expected: rec.address,
                        contacts: [dc.address],
                        run: () => r.resolve4(fqdn).then((a) => ({ ok: sorted(a) === rec.address, observed: sorted(a) }), failure),
                    });
                checks.push({
                    name: `PTR ${rec.address} (asking ${dc.name})`,
                    expected: fqdn,
                    contacts: [dc.address],
                    run: () => r.reverse(rec.address).then((n) => ({ ok: sorted(n) === fqdn, observed: sorted(n) }), failure),
                });
            }
            for (const x of d.extraRecords) {
                const want = recordData(x);
                checks.push({
                    name: `${x.type} ${x.fqdn} (asking ${dc.name}, for ${x.owner})`,
                    expected: want,
                    contacts: [dc.address],
                    run: () =>
                        x.type === "MX"
                            ? r.resolveMx(x.fqdn).then((mx) => {
                                  const got = sorted(mx.map((m) => `${m.priority} ${m.exchange}`));
                                  return { ok: got === want, observed: got };
                              }, failure)
                            : r.resolve4(x.fqdn).then((a) => ({ ok: sorted(a) === want, observed: sorted(a) }), failure),
                });
            }
        }
        return checks;
    },
};
