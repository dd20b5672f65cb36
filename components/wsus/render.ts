/**
 * Pure renderers of the WSUS server: the plan file its step reads (wsus.json), the functions it runs
 * (scripts/wsus/wsus.ps1, shipped verbatim) and the step's body. No Pulumi here.
 */
import { readFileSync } from "fs";
import type { WsusPlan } from "../../model/wsus";
import { stepScript } from "../guest-step/render";
import { repoPath } from "../paths";

export const WSUS_DIR = "C:/ProgramData/billu/wsus";
export const WSUS_PLAN_PATH = `${WSUS_DIR}/wsus.json`;

/** wsus.json: exactly what Invoke-BilluWsus reads (scripts/wsus/wsus.ps1), from the plan. */
export function renderWsusPlan(plan: WsusPlan): string {
    return (
        JSON.stringify(
            {
                host: plan.host,
                fqdn: plan.fqdn,
                port: plan.port,
                ssl: plan.ssl,
                driveLetter: plan.driveLetter,
                dataDiskBytes: plan.dataDisk.sizeGiB * 1024 ** 3,
                contentDir: plan.contentDir,
                upstream: plan.upstream,
                languages: plan.languages,
                syncTime: plan.syncTime,
                products: plan.products,
                classifications: plan.classifications,
                targetGroups: plan.targetGroups.map((g) => ({ name: g.name, ou: g.ou })),
                rules: plan.rules,
                cleanup: plan.cleanup,
            },
            null,
            2,
        ) + "\n"
    );
}

export function wsusFunctions(): string {
    return readFileSync(repoPath("scripts", "wsus", "wsus.ps1"), "utf8");
}

/** The secrets step `wsus` receives over HTTPS: the site CA's certificate, the server's certificate and key. */
export const WSUS_SECRET = { ca: "wsus-site-ca", cert: "wsus-cert", key: "wsus-key" } as const;

/**
 * The body of step `wsus` (scripts/wsus/wsus-step.ps1). Over HTTPS it also carries the PEM importer the Windows DC uses
 * for LDAPS (scripts/dc/windows-ldaps-cert.ps1), which puts the server's certificate and key in LocalMachine\My.
 */
export function wsusStepScript(plan: WsusPlan): string {
    const files = plan.ssl ? ["dc/windows-ldaps-cert.ps1", "wsus/wsus-step.ps1"] : "wsus/wsus-step.ps1";
    return stepScript("windows", files, { HOST_NAME: plan.host, PLAN_PATH: WSUS_PLAN_PATH.replace(/\//g, "\\") });
}

/** The docs' rows: the server, its target groups and its rules. */
export function wsusDocRows(plan: WsusPlan): { server: string[][]; groups: string[][]; rules: string[][] } {
    const up = plan.upstream.kind === "microsoft-update" ? "Microsoft Update" : `${plan.upstream.server}:${plan.upstream.port}`;
    return {
        server: [
            [
                plan.host,
                plan.url,
                plan.contentDir,
                up,
                `${plan.syncTime} UTC`,
                plan.products.join(", "),
                plan.classifications.join(", "),
                plan.languages.join(", "),
                `${plan.cleanup.day} ${plan.cleanup.time}: ${plan.cleanup.switches.join(", ")}`,
            ],
        ],
        groups: plan.targetGroups.map((g) => [g.name, g.ou, g.gpo]),
        rules: plan.rules.map((r) => [r.name, r.classifications.join(", "), r.products.join(", "), r.targetGroups.join(", "), r.enabled ? "yes" : "no"]),
    };
}
