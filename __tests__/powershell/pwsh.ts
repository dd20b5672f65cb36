/**
 * PowerShell for the unit suite: pwsh 7.6.10 (the .NET global tool) and the Pester module, as `npm run setup`
 * installed them and recorded in .tools/powershell.json (PATH may not hold ~/.dotnet/tools). Missing tools are a
 * failure, never a skip: the README's set-up installs them, and CI runs it before npm test.
 */
import { spawn } from "child_process";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { ROOT } from "../helpers";

export const PWSH_VERSION = "7.6.10";
export const PESTER_VERSION = "5.9.1";
export const TOOLS_RECORD = path.join(ROOT, ".tools", "powershell.json");

export interface PowerShellTools {
    readonly pwsh: string;
    readonly pester: string;
}

/** The recorded tools, or the reason they cannot be used and the fix ("run npm run setup"). */
export function powershellTools(): PowerShellTools | string {
    const fix = `run npm run setup (it installs PowerShell ${PWSH_VERSION} and Pester ${PESTER_VERSION})`;
    if (!existsSync(TOOLS_RECORD)) return `${TOOLS_RECORD} is missing: ${fix}`;
    const t = JSON.parse(readFileSync(TOOLS_RECORD, "utf8")) as Record<string, string>;
    if (t.pwshVersion !== PWSH_VERSION || t.pesterVersion !== PESTER_VERSION) {
        return `${TOOLS_RECORD} records PowerShell ${t.pwshVersion} and Pester ${t.pesterVersion}, the tests want ${PWSH_VERSION} and ${PESTER_VERSION}: ${fix}`;
    }
    for (const f of [t.pwsh, t.pester]) if (!f || !existsSync(f)) return `${f} (recorded in ${TOOLS_RECORD}) is missing: ${fix}`;
    return { pwsh: t.pwsh, pester: t.pester };
}

export interface PwshRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs one PowerShell script file (no profile, non-interactive) with extra environment variables. */
export function runPwsh(pwsh: string, file: string, env: Record<string, string> = {}): Promise<PwshRun> {
    return new Promise((resolve, reject) => {
        const p = spawn(pwsh, ["-NoProfile", "-NonInteractive", "-File", file], {
            cwd: ROOT,
            // DOTNET_TieredPGO=0: .NET's profile-guided JIT instruments hot methods to recompile them later, which pays
            // off in a long-lived process, not in a test run of a minute: the Pester run takes ~20% less CPU without it
            // (48 s -> 38 s measured). It changes how .NET compiles, not what PowerShell runs.
            env: { ...process.env, ...env, POWERSHELL_TELEMETRY_OPTOUT: "1", POWERSHELL_UPDATECHECK: "Off", DOTNET_TieredPGO: "0" },
        });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        p.on("error", reject);
        p.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}
