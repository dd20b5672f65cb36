// Needs a Debian package the labs install (the program that checks the rendered file): run by `npm run test:packaged`
// after scripts/install-lab-packages.sh, not by `npm test`. The rest of this renderer's tests are in __tests__/components/.
/**
 * The folder tools' shared helpers (scripts/lib/billu-folders.sh) and how they reach the guests: joined into
 * billu-shares and billu-ftp-folders by the renderer (components/guest-step/render.ts `toolScript`). `folder_acl` runs
 * here under dash (Debian's /bin/sh) on a real folder with real POSIX ACLs (setfacl/getfacl), as this process's own
 * user and group so no privilege is needed. labs/fileserver and labs/ftp run the rendered tools against real Samba and
 * vsftpd with directory groups.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, statSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { repoPath } from "../../components/paths";

const LIB = repoPath("scripts", "lib", "billu-folders.sh");

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
