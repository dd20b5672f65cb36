/**
 * The folder tools' shared helpers (scripts/lib/billu-folders.sh) and how they reach the guests: joined into
 * billu-shares and billu-ftp-folders by the renderer (components/guest-step/render.ts `toolScript`). `folder_acl` runs
 * here under dash (Debian's /bin/sh) on a real folder with real POSIX ACLs (setfacl/getfacl), as this process's own
 * user and group so no privilege is needed. labs/fileserver and labs/ftp run the rendered tools against real Samba and
 * vsftpd with directory groups.
 */
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import { sharesScript } from "../../components/fileserver/render";
import { foldersScript } from "../../components/ftp/render";
import { toolScript } from "../../components/guest-step/render";
import { repoPath } from "../../components/paths";

const LIB = repoPath("scripts", "lib", "billu-folders.sh");

describe("toolScript: a standalone tool with the shared library joined in", () => {
    test.each([
        ["fileserver/billu-shares.sh", sharesScript],
        ["ftp/billu-ftp-folders.sh", foldersScript],
    ])("%s: the include line becomes the library, the rest is the tool verbatim, and dash parses the result", (file, render) => {
        const source = readFileSync(repoPath("scripts", ...file.split("/")), "utf8");
        const lib = readFileSync(LIB, "utf8").trimEnd().split("\n");
        const rendered = render();
        expect(rendered).toBe(toolScript(file));
        expect(lib[0]).toBe("# shellcheck shell=sh");
        expect(rendered).toBe(
            source.replace(
                "\n# billu:include lib/billu-folders.sh\n",
                // a function, not a string: the library's `'^$'` would be a replacement pattern
                () =>
                    [
                        "",
                        "# --- begin scripts/lib/billu-folders.sh (joined in by the renderer) ---",
                        ...lib.slice(1),
                        "# --- end scripts/lib/billu-folders.sh ---",
                        "",
                    ].join("\n"),
            ),
        );
        expect(rendered.split("\n")[0]).toBe("#!/bin/sh");
        expect(rendered).not.toContain("billu:include");
        const dash = spawnSync("dash", ["-n"], { input: rendered, encoding: "utf8" });
        expect([dash.error?.message, dash.status, dash.stderr]).toEqual([undefined, 0, ""]);
    });

    test("a tool without an include line is refused (it would ship without its helpers)", () => {
        expect(() => toolScript("fileserver/billu-raid1.sh")).toThrow(
            'internal: scripts/fileserver/billu-raid1.sh has no "# billu:include lib/<file>.sh" line: read it verbatim instead',
        );
    });
});
