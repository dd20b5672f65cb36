/**
 * The Group Policy renderers (components/gpo/render.ts): Registry.pol bytes against sequences written by hand from
 * [MS-GPREG] 2.2.1 (header `PReg` + version 1; `[key;value;type;size;data]` with UTF-16LE strings and delimiters,
 * NUL-terminated strings, little-endian type and size), GptTmpl.inf as secedit writes it, Drives.xml, the manifest.
 */
import {
    CSE,
    gpoSlug,
    PREG_HEADER,
    pregEntry,
    renderDrivesXml,
    renderGpoFiles,
    renderGptIni,
    renderGptTmpl,
    renderGptTmplText,
    renderPsScriptsIni,
    renderRegistryPol,
} from "../../components/gpo/render";
import type { GpoPlan } from "../../model/gpo";

/** Bytes from a readable spec: `"x"` is a UTF-16LE code unit, a number is one byte. */
function bytes(...parts: (string | number)[]): Buffer {
    return Buffer.concat(parts.map((p) => (typeof p === "number" ? Buffer.from([p]) : Buffer.from(p, "utf16le"))));
}
const NUL = [0, 0] as const;

const gpo = (over: Partial<GpoPlan>): GpoPlan => ({
    name: "T",
    description: "",
    kind: "security",
    links: [],
    applyTo: ["Authenticated Users"],
    filtered: false,
    named: [],
    machine: { registry: [], startupScripts: [] },
    user: { registry: [], drives: [] },
    security: { systemAccess: [], registryValues: [] },
    ...over,
});

describe("Registry.pol (PReg)", () => {
    test("the header is PReg then version 1, little-endian", () => {
        expect([...PREG_HEADER]).toEqual([0x50, 0x52, 0x65, 0x67, 0x01, 0x00, 0x00, 0x00]);
        expect([...renderRegistryPol([])]).toEqual([0x50, 0x52, 0x65, 0x67, 0x01, 0x00, 0x00, 0x00]);
    });

    test("a REG_DWORD entry: [A;B;4;4;01000000], every delimiter UTF-16LE", () => {
        const e = pregEntry({ key: "A", valueName: "B", type: "REG_DWORD", data: 1 });
        expect([...e]).toEqual([
            0x5b, 0x00, // [
            0x41, 0x00, 0x00, 0x00, // A NUL
            0x3b, 0x00, // ;
            0x42, 0x00, 0x00, 0x00, // B NUL
            0x3b, 0x00,
            0x04, 0x00, 0x00, 0x00, // REG_DWORD
            0x3b, 0x00,
            0x04, 0x00, 0x00, 0x00, // size 4
            0x3b, 0x00,
            0x01, 0x00, 0x00, 0x00, // 1
            0x5d, 0x00, // ]
        ]); // prettier-ignore
    });

    test("REG_SZ and REG_EXPAND_SZ: UTF-16LE with the NUL counted in the size", () => {
        expect(pregEntry({ key: "K\\S", valueName: "V", type: "REG_SZ", data: "é1" })).toEqual(
            bytes("[", "K\\S", ...NUL, ";", "V", ...NUL, ";", 1, 0, 0, 0, ";", 6, 0, 0, 0, ";", 0xe9, 0x00, 0x31, 0x00, ...NUL, "]"),
        );
        expect(pregEntry({ key: "K", valueName: "V", type: "REG_EXPAND_SZ", data: "%U%" })).toEqual(
            bytes("[", "K", ...NUL, ";", "V", ...NUL, ";", 2, 0, 0, 0, ";", 8, 0, 0, 0, ";", "%U%", ...NUL, "]"),
        );
    });

    test("REG_MULTI_SZ: each string NUL-terminated, then one more NUL", () => {
        expect(pregEntry({ key: "K", valueName: "V", type: "REG_MULTI_SZ", data: ["a", "b"] })).toEqual(
            bytes("[", "K", ...NUL, ";", "V", ...NUL, ";", 7, 0, 0, 0, ";", 10, 0, 0, 0, ";", 0x61, 0, 0, 0, 0x62, 0, 0, 0, 0, 0, "]"),
        );
    });

    test("REG_QWORD (8 bytes LE, from a decimal string beyond 2^53) and REG_BINARY (hex)", () => {
        expect(pregEntry({ key: "K", valueName: "V", type: "REG_QWORD", data: "18446744073709551615" })).toEqual(
            bytes("[", "K", ...NUL, ";", "V", ...NUL, ";", 11, 0, 0, 0, ";", 8, 0, 0, 0, ";", 255, 255, 255, 255, 255, 255, 255, 255, "]"),
        );
        expect(pregEntry({ key: "K", valueName: "V", type: "REG_BINARY", data: "0aff" })).toEqual(
            bytes("[", "K", ...NUL, ";", "V", ...NUL, ";", 3, 0, 0, 0, ";", 2, 0, 0, 0, ";", 0x0a, 0xff, "]"),
        );
    });

    test("a file is the header and the entries in order", () => {
        const a = { key: "A", valueName: "B", type: "REG_DWORD" as const, data: 0 };
        const b = { key: "C", valueName: "D", type: "REG_SZ" as const, data: "x" };
        expect(renderRegistryPol([a, b])).toEqual(Buffer.concat([PREG_HEADER, pregEntry(a), pregEntry(b)]));
    });
});

describe("GptTmpl.inf", () => {
    const g = gpo({
        security: {
            systemAccess: [["ForceLogoffWhenHourExpire", 1]],
            registryValues: [
                { path: "MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\LmCompatibilityLevel", type: "REG_DWORD", data: 5 },
                { path: "MACHINE\\X\\Caption", type: "REG_SZ", data: 'say "hi"' },
            ],
        },
    });

    test("[Unicode], the sections, [Version] with the $CHICAGO$ signature, CRLF lines", () => {
        expect(renderGptTmplText(g)).toBe(
            "[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nForceLogoffWhenHourExpire = 1\r\n[Registry Values]\r\n" +
                "MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\LmCompatibilityLevel=4,5\r\n" +
                'MACHINE\\X\\Caption=1,"say ""hi"""\r\n[Version]\r\nsignature="$CHICAGO$"\r\nRevision=1\r\n',
        );
    });

    test("UTF-16LE with its byte order mark FF FE", () => {
        const b = renderGptTmpl(g)!;
        expect([...b.subarray(0, 6)]).toEqual([0xff, 0xfe, 0x5b, 0x00, 0x55, 0x00]); // BOM, "[U"
        expect(b.subarray(2).toString("utf16le")).toBe(renderGptTmplText(g));
    });

    test("no security setting: no file", () => {
        expect(renderGptTmpl(gpo({}))).toBeUndefined();
    });
});

describe("Drives.xml, GPT.INI and each GPO's files", () => {
    const drive = { letter: "S", path: "\\\\par-fs01.billu.lan\\dsi", label: "dsi & co", ouFilter: "OU=DSI,OU=Utilisateurs,DC=b", uid: "{1}" };
    test("a mapped drive with its OU targeting, attributes escaped", () => {
        expect(renderDrivesXml([drive])).toBe(
            '<?xml version="1.0" encoding="utf-8"?>\r\n<Drives clsid="{8FDDCC1A-0C3C-43cd-A6B4-71A6DF20DA8C}">\r\n' +
                '\t<Drive clsid="{935D1B74-9CB8-4e3c-9914-7DD559B7A417}" name="S:" status="S:" image="2" changed="2000-01-01 00:00:00" uid="{1}" bypassErrors="1">' +
                '<Properties action="U" thisDrive="NOCHANGE" allDrives="NOCHANGE" userName="" path="\\\\par-fs01.billu.lan\\dsi" label="dsi &amp; co" persistent="1" useLetter="1" letter="S"/>' +
                '<Filters><FilterOrgUnit bool="AND" not="0" name="OU=DSI,OU=Utilisateurs,DC=b" userContext="1" directMember="0"/></Filters></Drive>\r\n</Drives>\r\n',
        );
        expect(renderDrivesXml([])).toBeUndefined();
    });

    test("GPT.INI", () => {
        expect(renderGptIni(65537, "BillU - x")).toBe("[General]\r\nVersion=65537\r\ndisplayName=BillU - x\r\n");
    });

    test("each part's files and the extension names the clients run, sorted", () => {
        const r = { key: "K", valueName: "V", type: "REG_DWORD" as const, data: 1 };
        const f = renderGpoFiles(
            gpo({
                machine: { registry: [r], startupScripts: [] },
                user: { registry: [r], drives: [drive] },
                security: { systemAccess: [["A", 1]], registryValues: [] },
            }),
        );
        expect(f.files.map((x) => [x.path, x.part])).toEqual([
            ["Machine/Registry.pol", "machine"],
            ["Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf", "machine"],
            ["User/Registry.pol", "user"],
            ["User/Preferences/Drives/Drives.xml", "user"],
        ]);
        expect(f.machineExtensions).toBe(`[${CSE.registry}${CSE.registryMachineTool}][${CSE.security}${CSE.securityTool}]`);
        expect(f.userExtensions).toBe(`[${CSE.nullGuid}${CSE.drivesTool}][${CSE.registry}${CSE.registryUserTool}][${CSE.drives}${CSE.drivesTool}]`);
        expect(renderGpoFiles(gpo({}))).toEqual({ files: [], machineExtensions: "", userExtensions: "" });
    });

    test("a startup script: Machine/Scripts/psscripts.ini in UTF-16LE with a BOM and CRLF lines, and the Scripts extension", () => {
        const script = { cmdLine: "\\\\billu.lan\\SYSVOL\\billu.lan\\billu\\glpi-agent\\Install-GlpiAgent.ps1", parameters: "" };
        expect(renderPsScriptsIni([script])).toEqual(
            Buffer.concat([
                Buffer.from([0xff, 0xfe]),
                bytes("\r\n[Startup]\r\n0CmdLine=\\\\billu.lan\\SYSVOL\\billu.lan\\billu\\glpi-agent\\Install-GlpiAgent.ps1\r\n0Parameters=\r\n"),
            ]),
        );
        expect(renderPsScriptsIni([])).toBeUndefined();
        const f = renderGpoFiles(gpo({ machine: { registry: [], startupScripts: [script] } }));
        expect(f.files.map((x) => [x.path, x.part])).toEqual([["Machine/Scripts/psscripts.ini", "machine"]]);
        // [MS-GPOL]: the Scripts client-side extension and the computer's Scripts snap-in.
        expect(f.machineExtensions).toBe("[{42B5FAAE-6536-11D2-AE5A-0000F87571E3}{40B6664F-4972-11D1-A7CA-0000F87571E3}]");
    });

    test("folder names of GPOs", () => {
        expect(gpoSlug("BillU - Écran verrouillé (10 min)")).toBe("billu-ecran-verrouille-10-min");
    });
});
