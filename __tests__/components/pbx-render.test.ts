/**
 * The telephony renderers (components/telephony/render.ts): the Bulk Handler CSV read back by a strict CSV reader
 * (csv-parse, the HR export's library) against FreePBX's own column list, the ring groups' table, the reception's
 * dialplan checked by our parser (components/telephony/dialplan-check.ts, itself tested here on broken input), the
 * Apache sites. Expected values come from the plan of the committed dev stack, not from the rendered text.
 */
import { parse } from "csv-parse/sync";
import type { TelephonyPlan } from "../../model/telephony";
import { parseDialplan } from "../../components/telephony/dialplan-check";
import {
    EXTENSION_COLUMNS,
    FREEPBX_EXTENSION_COLUMNS,
    pbxFiles,
    pbxSecretNames,
    renderAdminSite,
    renderDialplan,
    renderExtensionsCsv,
    renderProvisioningSite,
    renderRingGroupsCsv,
    RING_GROUP_COLUMNS,
} from "../../components/telephony/render";
import { secretPlaceholders } from "../../components/guest-step/render";
import { model, stackRaw } from "../helpers";

const plan = model(stackRaw("dev")).plan<TelephonyPlan>("pbx")!;
/** Strict: a header row, every row exactly as many fields, no empty line, quotes only where RFC 4180 allows them. */
const strict = (text: string): Record<string, string>[] =>
    parse(text, { columns: true, relax_column_count: false, relax_quotes: false, skip_empty_lines: false, trim: false });

describe("the Bulk Handler CSV of the extensions", () => {
    const rows = strict(renderExtensionsCsv(plan));

    test("its header is FreePBX's column names only, and every row parses with exactly that many fields", () => {
        const header = renderExtensionsCsv(plan).split("\n")[0].split(",");
        expect(header).toEqual([...EXTENSION_COLUMNS]);
        expect(header.filter((c) => !FREEPBX_EXTENSION_COLUMNS.includes(c))).toEqual([]);
        expect(rows).toHaveLength(plan.extensions.length);
    });

    test("one row per extension: PJSIP over TLS, SRTP offered, voicemail to the person's mailbox, secrets as placeholders", () => {
        const e = plan.extensions.find((x) => x.sam === "sarah.fournier")!;
        expect(rows.find((r) => r.extension === e.number)).toEqual({
            extension: "19173",
            name: "Sarah Fournier",
            description: "sarah.fournier (Finance et Comptabilite)",
            tech: "pjsip",
            secret: "{{secret:sip-19173}}",
            callerid: "Sarah Fournier <19173>",
            transport: "0.0.0.0-tls",
            media_encryption: "sdes",
            media_encryption_optimistic: "yes",
            max_contacts: "1",
            voicemail: "default",
            voicemail_enable: "yes",
            voicemail_vmpwd: "{{secret:vm-19173}}",
            voicemail_email: "sarah.fournier@billu.remindme.lan",
            voicemail_options: "attach=yes|delete=no",
        });
        expect(rows.map((r) => r.extension)).toEqual(plan.extensions.map((x) => x.number));
        expect(rows.map((r) => r.voicemail_email)).toEqual(plan.extensions.map((x) => x.voicemailEmail));
    });

    test("a name with a comma or a quote is quoted, and read back as it was", () => {
        const odd = { ...plan, extensions: [{ ...plan.extensions[0], name: 'Anne "Nanou", Dupont' }] };
        expect(strict(renderExtensionsCsv(odd))[0].name).toBe('Anne "Nanou", Dupont');
    });

    test("the step names exactly the secrets its files hold: the certificate's and two per extension", () => {
        const names = pbxSecretNames(plan);
        expect(names).toHaveLength(3 + 2 * plan.extensions.length);
        const used = new Set(pbxFiles(plan).flatMap((f) => secretPlaceholders(f.content)));
        expect([...used].sort()).toEqual([...names].sort());
        expect(pbxFiles(plan).find((f) => f.path.endsWith("extensions.csv"))!.mode).toBe("0600");
    });
});

describe("the ring groups' table", () => {
    test("FreePBX's ringgroups columns; one row per department, members its extensions joined by -, every member an extension", () => {
        const rows = strict(renderRingGroupsCsv(plan));
        expect(Object.keys(rows[0])).toEqual([...RING_GROUP_COLUMNS]);
        expect(rows.map((r) => [r.grpnum, r.description, r.strategy, r.grptime, r.postdest])).toEqual(
            plan.ringGroups.map((g) => [g.number, g.department.normalize("NFKD").replace(/[\u0300-\u036f]/g, ""), "ringall", "20", "billu-reception,s,1"]),
        );
        const extensions = new Set(plan.extensions.map((e) => e.number));
        for (const [i, r] of rows.entries()) {
            expect(r.grplist.split("-")).toEqual(plan.ringGroups[i].members);
            expect(r.grplist.split("-").every((n) => extensions.has(n))).toBe(true);
        }
    });
});

describe("the reception's dialplan", () => {
    test("our parser accepts it: the reception's number, one key per ring group, 0 and the timeout to the operator", () => {
        const d = parseDialplan(renderDialplan(plan));
        expect(d.problems).toEqual([]);
        expect([...d.contexts.get("from-internal-custom")!.keys()]).toEqual([plan.reception.number]);
        expect([...d.contexts.get("billu-reception")!.keys()]).toEqual(["s", ...plan.ringGroups.map((g) => g.key), "0", "t", "i"]);
        expect(d.gotos.filter((g) => g.context === "ext-group").map((g) => g.exten)).toEqual([
            ...plan.ringGroups.map((g) => g.number),
            plan.reception.operator,
            plan.reception.operator,
        ]);
    });

    test.each([
        ["a line before any context", "exten => 1,1,Answer()\n", "line 1: a dialplan line before any [context]"],
        ["same before exten", "[a]\nsame => n,Answer()\n", "line 2: same => before any exten => in its context"],
        ["priority 1 twice", "[a]\nexten => 1,1,Answer()\nexten => 1,1,Hangup()\n", "line 3: extension 1 has priority 1 twice"],
        ["a first priority other than 1", "[a]\nexten => 1,2,Answer()\n", "line 2: extension 1 starts at priority 2, not 1"],
        ["unbalanced parentheses", "[a]\nexten => 1,1,Goto(b,s,1\n", 'line 2: unbalanced parentheses in "Goto(b,s,1"'],
        ["a Goto to a missing extension of the file", "[a]\nexten => 1,1,Goto(a,9,1)\n", "line 2: Goto(a,9,1): [a] has no extension 9"],
        ["a Goto with two arguments", "[a]\nexten => 1,1,Goto(a,1)\n", 'line 2: Goto takes context,extension,priority: "a,1"'],
        ["garbage", "[a]\nexten = 1,1,Answer()\n", 'line 2: not a context header, an exten or a same line: "exten = 1,1,Answer()"'],
        ["a context twice", "[a]\n[a]\n", "line 2: context [a] is declared twice"],
    ])("our parser refuses %s", (_name, text, message) => {
        expect(parseDialplan(text).problems.map((p) => `line ${p.line}: ${p.message}`)).toEqual([message]);
    });
});

describe("the Apache sites", () => {
    test("admin: TLS with the site certificate, the management zone only; provisioning: its own port, the phones' zones only", () => {
        expect(renderAdminSite(plan)).toContain(`        Require ip ${plan.adminZones.map((z) => z.cidr).join(" ")}\n`);
        expect(plan.adminZones.map((z) => z.name)).toEqual(["management"]);
        const prov = renderProvisioningSite(plan);
        expect(prov).toContain(`Listen ${plan.provisioningPort} https\n<VirtualHost *:${plan.provisioningPort}>`);
        expect(prov).toContain(`        Require ip ${plan.phoneZones.map((z) => z.cidr).join(" ")}\n`);
        expect(plan.phoneZones).toHaveLength(9);
    });
});
