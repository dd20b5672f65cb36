import { z } from "zod";
import { configFields, REFERENCE_COMMAND, REFERENCE_FILE, renderConfigReference, undescribedFields } from "../../tools/docs/config-reference";
import { expectFreshPage } from "../helpers";

test("the committed configuration reference is what the config schema renders", () => {
    expectFreshPage(REFERENCE_FILE, renderConfigReference(), REFERENCE_COMMAND, "schema");
});

test("every key of the billu: namespace has its own description", () => {
    expect(undescribedFields()).toEqual([]);
});

test("the reference documents every key a stack file uses, as the user writes its path", () => {
    const paths = new Set(configFields().map((f) => f.path));
    for (const p of ["billu:hosts[].disks[].sizeGiB", "billu:network.zones[].dhcp.poolStart", "billu:vpn.owner.pskLength", "billu:web.intranet.allowedFrom"]) {
        expect(paths).toContain(p);
    }
});

describe("the generator", () => {
    const schema = z
        .object({
            name: z.string().min(1).max(15).describe("The name."),
            plain: z.string(),
            kind: z.enum(["a", "b"]).default("a").describe("The kind."),
            size: z.number().int().min(1).max(10).optional().describe("The size."),
            ratio: z.number().positive().describe("The ratio."),
            code: z
                .string()
                .regex(/^[A-Z]+$/)
                .refine((v) => v !== "X")
                .describe("A code."),
            tags: z.array(z.string().describe("a tag")).min(1).max(3).describe("The tags."),
            one: z.array(z.boolean()).length(1).describe("Exactly one."),
            items: z
                .array(z.object({ id: z.literal("x").describe("The id."), on: z.boolean().default(false).describe("On.") }).strict())
                .default([])
                .describe("The items."),
            map: z.record(z.enum(["k"]), z.union([z.string(), z.number()])).describe("A map."),
            inner: z
                .object({ deep: z.boolean().describe("Deep.") })
                .strict()
                .default({ deep: true })
                .describe("Inner."),
        })
        .strict();

    test("renders each key's path, type with its bounds and values, required, default and description", () => {
        expect(configFields(schema, "billu:")).toEqual([
            { path: "billu:name", type: "string, 1 to 15 characters", required: true, description: "The name." },
            { path: "billu:plain", type: "string", required: true },
            { path: "billu:kind", type: "one of `a`, `b`", required: false, default: '"a"', description: "The kind." },
            { path: "billu:size", type: "integer, 1 to 10", required: false, description: "The size." },
            { path: "billu:ratio", type: "number, more than 0", required: true, description: "The ratio." },
            { path: "billu:code", type: "string, matching `/^[A-Z]+$/`", required: true, description: "A code." },
            { path: "billu:tags", type: "list (1 to 3 entries) of string: a tag", required: true, description: "The tags." },
            { path: "billu:one", type: "list (exactly 1 entry) of boolean", required: true, description: "Exactly one." },
            { path: "billu:items", type: "list of objects", required: false, default: "[]", description: "The items." },
            { path: "billu:items[].id", type: '`"x"`', required: true, description: "The id." },
            { path: "billu:items[].on", type: "boolean", required: false, default: "false", description: "On." },
            { path: "billu:map", type: "map from one of `k` to string or number", required: true, description: "A map." },
            { path: "billu:inner", type: "object", required: false, default: '{"deep":true}', description: "Inner." },
            { path: "billu:inner.deep", type: "boolean", required: true, description: "Deep." },
        ]);
    });

    test("lists the keys without a description of their own, a shared type's description not counting", () => {
        const shared = z
            .string()
            .describe("a shared type")
            .refine((v) => v !== "");
        const s = z.object({ a: shared, b: shared.optional(), c: shared.describe("C."), d: z.object({ e: z.number() }).describe("D.") });
        expect(undescribedFields(configFields(s, "billu:"))).toEqual(["billu:a", "billu:b", "billu:d.e"]);
    });

    test("writes one table per top-level key, escaping a <placeholder> outside code spans and a | anywhere", () => {
        const md = renderConfigReference(
            configFields(
                z.object({
                    key: z
                        .string()
                        .regex(/^(a|b)$/)
                        .describe("Written <type> <key>, as in `<type> <key>`."),
                }),
                "billu:",
            ),
        );
        expect(md.split("\n").slice(-6)).toEqual([
            "## `billu:key`",
            "",
            "| key | type | required | default | description |",
            "|---|---|---|---|---|",
            "| `billu:key` | string, matching `/^(a\\|b)$/` | yes |  | Written &lt;type&gt; &lt;key&gt;, as in `<type> <key>`. |",
            "",
        ]);
    });

    test("refuses a zod type it cannot render, naming the file to extend", () => {
        expect(() => configFields(z.object({ when: z.date().describe("When.") }), "billu:")).toThrow(
            "config-reference: no rendering for a ZodDate: add one to tools/docs/config-reference.ts",
        );
    });
});
