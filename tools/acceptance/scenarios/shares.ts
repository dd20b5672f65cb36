/**
 * File shares: the acceptance account writes a test file to its department's share on every file server, reads it
 * back in the listing and removes it, and is refused on another department's share at tree connect
 * (NT_STATUS_ACCESS_DENIED: the share's `valid users`). Which share is its own comes from the model: the account's
 * groups in the directory plan (from the HR export) against the share plan's groups, never from the server. Its
 * password reaches smbclient through a 0600 authentication file in the run's private folder, never a command line;
 * on the other share it only lists (it never writes there, even when the server would let it).
 */
import { writeFileSync } from "fs";
import * as path from "path";
import type { SharePlan } from "../../../model/fileserver";
import type { SiteModel } from "../../../model/site";
import { execTool, lastLine } from "../exec";
import type { Check, Scenario } from "../types";
import { directoryAccountOf, runAccount } from "./account";

/** The tree-connect refusal smbclient prints when the share's `valid users` leaves the account out. */
export const TREE_DENIED = "tree connect failed: NT_STATUS_ACCESS_DENIED";

/**
 * The account's own department share and another department's, from the model: own is the first department share
 * one of whose groups the account belongs to, other the first department share none of whose groups it belongs to.
 * A reason instead when the model gives it none (an account outside the directory plan, or of no department).
 */
export function sharesOf(model: SiteModel, shares: readonly SharePlan[], account: string): { own: SharePlan; other: SharePlan } | { reason: string } {
    const person = directoryAccountOf(model, account, "the department whose share it writes to");
    if ("reason" in person) return person;
    const mine = (s: SharePlan) => s.groups.some((g) => person.groups.includes(g));
    const departments = shares.filter((s) => s.kind === "department");
    const own = departments.find(mine);
    const other = departments.find((s) => !mine(s));
    if (!own) return { reason: `no department share admits ${account} (its groups: ${person.groups.join(", ") || "none"})` };
    if (!other) return { reason: `every department share admits ${account}: there is no other department's share to be refused on` };
    return { own, other };
}

export const sharesScenario: Scenario = {
    name: "shares",
    title: "the acceptance account writes to its department share and is refused on another's",
    skip: (m) =>
        !m.fileservers?.length ? "the site has no file server" : !m.directory ? "the site has no directory plan (no department accounts)" : undefined,
    needs: ["account"],
    checks: (input) => {
        const account = runAccount(input);
        const work = (f: string) => path.join(input.workDir, f);
        const checks: Check[] = [];
        for (const f of input.model.fileservers ?? []) {
            const address = input.model.host(f.host).nics[0].address;
            const unc = (share: string) => `\\\\${f.host}\\${share}`;
            const plan = input.account ? sharesOf(input.model, f.shares, account.name) : undefined;
            const pick = plan && "own" in plan ? plan : undefined;
            const reason = plan && "reason" in plan ? plan.reason : undefined;
            // smbclient <share> <commands>: the account's credentials from a 0600 file, SMB3 only.
            const smb = (share: string, commands: string) => {
                writeFileSync(work("smb.conf"), "[global]\n    client min protocol = SMB3\n");
                writeFileSync(work(`smb-${f.host}.auth`), `username = ${account.name}\npassword = ${account.password}\ndomain = ${f.workgroup}\n`, {
                    mode: 0o600,
                });
                return execTool("smbclient", ["-s", work("smb.conf"), "-A", work(`smb-${f.host}.auth`), `//${address}/${share}`, "-c", commands]);
            };
            const own = pick ? unc(pick.own.name) : "its department's share";
            checks.push({
                name: `SMB: ${account.name} writes, lists and removes a test file on ${own}`,
                expected: "written, listed and removed",
                contacts: [`${address} (smb)`],
                run: async () => {
                    if (!pick) return { ok: false, observed: reason ?? "no account" };
                    const name = `billu-acceptance-${process.pid}-${Date.now()}.txt`;
                    writeFileSync(work(name), "BillU acceptance: a test file, removed by the scenario that wrote it\n");
                    const r = await smb(pick.own.name, `lcd ${input.workDir}; put ${name}; ls ${name}; del ${name}; ls ${name}`);
                    const status = r.out.match(/NT_STATUS_\w+/g) ?? [];
                    // The last `ls` must find nothing (NT_STATUS_NO_SUCH_FILE): the file was removed; any other status fails.
                    const ok = r.out.includes(name) && status.length === 1 && status[0] === "NT_STATUS_NO_SUCH_FILE";
                    return { ok, observed: ok ? "written, listed and removed" : `smbclient exit ${r.code}: ${status.join(", ") || lastLine(r.out)}` };
                },
            });
            const other = pick ? unc(pick.other.name) : "another department's share";
            checks.push({
                name: `SMB: ${account.name} is refused on ${other} at tree connect`,
                expected: TREE_DENIED,
                contacts: [`${address} (smb)`],
                run: async () => {
                    if (!pick) return { ok: false, observed: reason ?? "no account" };
                    const r = await smb(pick.other.name, "ls");
                    const ok = r.out.includes(TREE_DENIED);
                    return { ok, observed: ok ? TREE_DENIED : `smbclient exit ${r.code}: ${lastLine(r.out)}` };
                },
            });
        }
        return checks;
    },
};
