/**
 * The folder tools' shared helpers (scripts/lib/billu-folders.sh) and how they reach the guests: joined into
 * billu-shares and billu-ftp-folders by the renderer (components/guest-step/render.ts `toolScript`). `folder_acl` runs
 * here under dash (Debian's /bin/sh) on a real folder with real POSIX ACLs (setfacl/getfacl), as this process's own
 * user and group so no privilege is needed. labs/fileserver and labs/ftp run the rendered tools against real Samba and
 * vsftpd with directory groups.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
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

describe("folder_acl (scripts/lib/billu-folders.sh) on a real folder", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "billu-folders-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const uid = process.getuid!();
    const gid = process.getgid!();
    const owner = `${uid}:${gid}`;
    const acl = `u::rwx,g::rwx,o::---,m::rwx,g:${gid}:rwx`;

    /** Sources the library in dash and runs `folder_acl` with these arguments; prints CHANGES last. */
    function folderAcl(...args: string[]) {
        const r = spawnSync("dash", ["-c", '. "$0"; TOOL=t; CHANGES=0; folder_acl "$@"; echo "changes=$CHANGES"', LIB, ...args], { encoding: "utf8" });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }
    const getfacl = (p: string) => spawnSync("getfacl", ["-cpn", p], { encoding: "utf8" }).stdout;

    test("creates the folder with its mode and the ACL as access and default entries; a second run changes nothing", () => {
        const f = `${dir}/exchange/sales`;
        const first = folderAcl(f, owner, "2770", acl);
        expect(first).toEqual({
            status: 0,
            stdout: [
                `t: run: mkdir -p ${f}`,
                `t: run: chmod 2770 ${f}`,
                `t: run: setfacl --set ${acl},d:u::rwx,d:g::rwx,d:o::---,d:m::rwx,d:g:${gid}:rwx ${f}`,
                "changes=3",
                "",
            ].join("\n"),
            stderr: "",
        });
        expect((statSync(f).mode & 0o7777).toString(8)).toBe("2770");
        expect(getfacl(f).split("\n").filter(Boolean).sort()).toEqual(
            [
                "user::rwx",
                "group::rwx",
                `group:${gid}:rwx`,
                "mask::rwx",
                "other::---",
                "default:user::rwx",
                "default:group::rwx",
                `default:group:${gid}:rwx`,
                "default:mask::rwx",
                "default:other::---",
            ].sort(),
        );
        expect(folderAcl(f, owner, "2770", acl)).toEqual({ status: 0, stdout: "changes=0\n", stderr: "" });
    });

    test("puts back an ACL opened by hand, and only the ACL; `-` leaves the mode to the ACL", () => {
        const f = `${dir}/share`;
        expect(folderAcl(f, owner, "-", acl).stdout).toBe(
            `t: run: mkdir -p ${f}\nt: run: setfacl --set ${acl},d:u::rwx,d:g::rwx,d:o::---,d:m::rwx,d:g:${gid}:rwx ${f}\nchanges=2\n`,
        );
        spawnSync("chmod", ["o+rwx", f]);
        expect(getfacl(f)).toContain("other::rwx");
        expect(folderAcl(f, owner, "-", acl).stdout).toBe(`t: run: setfacl --set ${acl},d:u::rwx,d:g::rwx,d:o::---,d:m::rwx,d:g:${gid}:rwx ${f}\nchanges=1\n`);
        expect(getfacl(f)).toContain("other::---");
    });

    // Giving a folder another group needs root (the labs and CI run as root; a user's run shows this test skipped).
    (uid === 0 ? test : test.skip)("a folder owned by another group is given the planned owner back", () => {
        const f = `${dir}/x`;
        folderAcl(f, owner, "-", acl);
        spawnSync("chown", ["0:1", f]);
        expect(folderAcl(f, owner, "-", acl).stdout).toBe(`t: run: chown ${owner} ${f}\nchanges=1\n`);
        expect(`${statSync(f).uid}:${statSync(f).gid}`).toBe(owner);
    });
});
