/**
 * Pure renderings of the directory plan: the plan file the appliers read in the first DC, the guest step of each
 * flavor (Samba: one Python process, one transaction; Windows: the ActiveDirectory module), `directory.json` and
 * the docs section. No Pulumi here.
 */
import { readFileSync } from "fs";
import { DirectoryPlan, PersonPlan } from "../../model/directory";
import type { HomeDirectories } from "../../model/fileserver";
import { PasswordPolicyPlan, SETTING_KEYS } from "../../model/password-policy";
import { StepSpec, stepScript } from "../guest-step/render";
import { repoPath } from "../paths";
import { sambaDriftData, sambaDriftFiles, windowsDriftData, windowsDriftFiles } from "./drift";

export type DirectoryFlavor = "samba" | "windows";

/** Name of the secret that carries a new account's initial password. */
export function passwordSecret(sam: string): string {
    return `pw-${sam}`;
}

/** People whose account this plan may create: everyone in the export (never someone who left). */
export function activePeople(plan: DirectoryPlan): PersonPlan[] {
    return plan.people.filter((p) => p.enabled);
}

/**
 * What the appliers read: every object with the attributes they manage, nothing else (no identity, no birth date).
 * One object per line, so a changed object is one changed line.
 */
export function renderApplierPlan(plan: DirectoryPlan, ipPhones?: ReadonlyMap<string, string>, homes?: HomeDirectories): string {
    // With a telephony plan (issue #26): everyone's ipPhone, their extension or "" (none: cleared), and "" for a
    // leaver, whose quarantined extension rings nobody; without one the key is absent and the appliers leave ipPhone alone.
    const ipPhone = (sam: string, enabled: boolean): { ipPhone?: string } => (ipPhones ? { ipPhone: enabled ? (ipPhones.get(sam) ?? "") : "" } : {});
    const users: Record<string, unknown>[] = plan.people.map((p) =>
        p.enabled
            ? {
                  sam: p.sam,
                  dn: p.dn,
                  cn: p.cn,
                  enabled: true,
                  upn: p.upn,
                  mail: p.mail,
                  displayName: p.displayName,
                  givenName: p.attributes!.givenName,
                  sn: p.attributes!.sn,
                  title: p.attributes!.title,
                  department: p.department,
                  company: p.attributes!.company,
                  telephoneNumber: p.attributes!.telephoneNumber,
                  mobile: p.attributes!.mobile,
                  ...ipPhone(p.sam, true),
                  // With a home share (billu:fileserver.homeShare): the account's folder there and its drive letter;
                  // without one the keys are absent and the appliers leave both alone (a leaver's are kept, as the folder is).
                  ...(homes ? { homeDirectory: `${homes.root}\\${p.sam}`, homeDrive: homes.drive } : {}),
                  manager: p.manager ?? "",
                  groups: p.groups,
                  // No password: the applier generates a new person's initial one where it sets it (issue #24) and
                  // hands it to IT in the onboarding sheet (plan.onboarding); it is never in Pulumi state or this file.
                  // With billu:directory.accountPolicy.logonHours: the hours' 21 bytes in hex, "" for none.
                  ...logonHours(plan, p.sam),
              }
            : { sam: p.sam, dn: p.dn, cn: p.cn, enabled: false, groups: [], ...ipPhone(p.sam, false) },
    );
    const a = plan.acceptance;
    // The acceptance account (issue #23): no person's attributes, a password nobody has to change (no one logs on
    // interactively with it), its department's group and its mailbox address when the model gives them, and the groups
    // the domain step created (the SSH group), joined by name, never left.
    if (a)
        users.push({
            sam: a.sam,
            dn: a.dn,
            cn: a.cn,
            enabled: a.enabled,
            upn: a.upn,
            mail: a.mail,
            displayName: a.sam,
            givenName: "",
            sn: "",
            title: "",
            department: "",
            company: "",
            telephoneNumber: "",
            mobile: "",
            manager: "",
            groups: a.groups,
            password: passwordSecret(a.sam),
            mustChangePassword: false,
            extraGroups: a.extraGroups,
            ...logonHours(plan, a.sam),
        });
    const r = plan.driftReader;
    // The drift reader (issue #27): an account of no person, in Domain Users only (its read rights), its generated
    // password kept (no one logs on with it interactively), no mailbox.
    if (r)
        users.push({
            sam: r.sam,
            dn: r.dn,
            cn: r.cn,
            enabled: true,
            upn: r.upn,
            mail: "",
            displayName: r.sam,
            givenName: "",
            sn: "",
            title: "",
            department: "",
            company: "",
            telephoneNumber: "",
            mobile: "",
            manager: "",
            groups: [],
            password: passwordSecret(r.sam),
            mustChangePassword: false,
            ...logonHours(plan, r.sam),
        });
    const ous = [...plan.ous, ...(a ? [a.ou] : [])];
    const list = (items: readonly unknown[]) => (items.length ? "[\n" + items.map((i) => "    " + JSON.stringify(i)).join(",\n") + "\n  ]" : "[]");
    return [
        "{",
        `  "version": 1,`,
        `  "domainDn": ${JSON.stringify(plan.domainDn)},`,
        `  "rootDn": ${JSON.stringify(plan.rootDn)},`,
        `  "departuresDn": ${JSON.stringify(plan.departuresDn)},`,
        `  "ous": ${list(ous.map((o) => ({ dn: o.dn, name: o.name, description: o.description })))},`,
        `  "groups": ${list(plan.groups.map((g) => ({ sam: g.sam, dn: g.dn, description: g.description })))},`,
        // The privileged groups hold exactly these members (issue #27); absent from a plan made without them.
        ...(plan.privileged ? [`  "privilegedGroups": ${list(plan.privileged)},`] : []),
        // Where new people's initial passwords go (issue #24): the sheet's folder, its share and the one group that reads it.
        ...(plan.onboarding ? [`  "onboarding": ${JSON.stringify(plan.onboarding)},`] : []),
        `  "users": ${list(users)},`,
        `  "computers": ${list(
            plan.computers.map((c) =>
                c.enabled
                    ? { sam: c.sam, name: c.name, dn: c.dn, enabled: true, description: c.description, owner: c.owner }
                    : { sam: c.sam, name: c.name, dn: c.dn, enabled: false, owner: c.owner },
            ),
        )}`,
        "}",
        "",
    ].join("\n");
}

/** An account's `logonHours` key: absent when the plan has no logon hours (the applier leaves the attribute alone). */
function logonHours(plan: DirectoryPlan, sam: string): { logonHours?: string } {
    const lh = plan.passwordPolicy?.logonHours;
    return lh ? { logonHours: lh.accounts[sam] ?? "" } : {};
}

export const SAMBA_PATHS = {
    plan: "/var/lib/billu/directory/plan.json",
    applier: "/usr/local/lib/billu/directory/apply_samba.py",
    policy: "/var/lib/billu/directory/password-policy.json",
    policyApplier: "/usr/local/lib/billu/directory/password_policy_samba.py",
} as const;

export const WINDOWS_PATHS = {
    plan: "C:/ProgramData/billu/directory/plan.json",
    applier: "C:/ProgramData/billu/directory/Apply-Directory.ps1",
    policy: "C:/ProgramData/billu/directory/password-policy.json",
    policyApplier: "C:/ProgramData/billu/directory/Apply-PasswordPolicy.ps1",
} as const;

/** What the password policy appliers read: the domain's settings and the PSOs (by precedence), nothing else. */
export function renderPasswordPolicy(pp: PasswordPolicyPlan): string {
    const settings = (s: Record<string, unknown>) => Object.fromEntries(SETTING_KEYS.map((k) => [k, s[k]]));
    const doc = {
        version: 1,
        domain: settings(pp.domain as unknown as Record<string, unknown>),
        psos: pp.psos.map((p) => ({ name: p.name, precedence: p.precedence, ...settings(p as unknown as Record<string, unknown>), appliesTo: p.appliesTo })),
    };
    return JSON.stringify(doc, null, 2) + "\n";
}

/** The guest step that sets the domain password policy and the PSOs on the first DC, after the directory step. */
export function renderPasswordPolicyStep(pp: PasswordPolicyPlan, flavor: DirectoryFlavor): StepSpec {
    const text = renderPasswordPolicy(pp);
    if (flavor === "samba")
        return {
            files: [
                { path: SAMBA_PATHS.policy, content: text, mode: "0644" },
                { path: SAMBA_PATHS.policyApplier, content: readFileSync(repoPath("scripts", "directory", "password_policy_samba.py"), "utf8"), mode: "0644" },
            ],
            script: stepScript("linux", "directory/password-policy.sh"),
        };
    return {
        files: [
            { path: WINDOWS_PATHS.policy, content: text },
            { path: WINDOWS_PATHS.policyApplier, content: readFileSync(repoPath("scripts", "directory", "Apply-PasswordPolicy.ps1"), "utf8") },
        ],
        script: stepScript("windows", "directory/password-policy.ps1"),
    };
}

/** The guest step that applies the plan on the first DC. */
export function renderDirectoryStep(plan: DirectoryPlan, flavor: DirectoryFlavor, ipPhones?: ReadonlyMap<string, string>, homes?: HomeDirectories): StepSpec {
    const planText = renderApplierPlan(plan, ipPhones, homes);
    // With billu:directory.drift (the service's planner always sets it): the scheduled check and its verdict (issue #27).
    const drift = plan.drift;
    if (flavor === "samba") {
        return {
            files: [
                { path: SAMBA_PATHS.plan, content: planText, mode: "0600" },
                { path: SAMBA_PATHS.applier, content: readFileSync(repoPath("scripts", "directory", "apply_samba.py"), "utf8"), mode: "0644" },
                ...(drift ? sambaDriftFiles(drift, SAMBA_PATHS) : []),
            ],
            script: drift
                ? stepScript("linux", ["directory/directory.sh", "directory/drift-timer.sh"], sambaDriftData(drift))
                : stepScript("linux", "directory/directory.sh"),
        };
    }
    return {
        files: [
            { path: WINDOWS_PATHS.plan, content: planText },
            { path: WINDOWS_PATHS.applier, content: readFileSync(repoPath("scripts", "directory", "Apply-Directory.ps1"), "utf8") },
            ...(drift ? windowsDriftFiles() : []),
        ],
        script: drift
            ? stepScript("windows", ["directory/directory.ps1", "directory/drift-task-step.ps1"], windowsDriftData(drift, WINDOWS_PATHS))
            : stepScript("windows", "directory/directory.ps1"),
    };
}

/** `directory.json`: the plan as a reviewer reads it, one entry per person with the action against the lock. */
export function renderDirectoryJson(plan: DirectoryPlan, sources: { readonly hrCsv: string; readonly lock?: string }): string {
    const doc = {
        domain: plan.domain,
        hrCsv: sources.hrCsv,
        lock: sources.lock ?? null,
        summary: plan.summary,
        // Only when there are some, so a clean plan's report is unchanged.
        ...(plan.warnings.length > 0 ? { warnings: plan.warnings } : {}),
        ous: plan.ous.map((o) => o.dn),
        groups: plan.groups.map((g) => ({
            sam: g.sam,
            dn: g.dn,
            members: plan.people.filter((p) => p.groups.includes(g.sam)).length + (plan.acceptance?.groups.includes(g.sam) ? 1 : 0),
        })),
        people: plan.people.map((p) => ({
            identity: p.identity,
            line: p.line ?? null,
            sam: p.sam,
            upn: p.upn,
            mail: p.mail,
            displayName: p.displayName,
            ou: p.ou,
            dn: p.dn,
            department: p.department,
            service: p.service,
            title: p.attributes?.title ?? null,
            manager: p.manager ?? null,
            computer: p.computer ?? null,
            groups: p.groups,
            enabled: p.enabled,
            action: p.action,
        })),
        computers: plan.computers.map((c) => ({ name: c.name, sam: c.sam, dn: c.dn, owner: c.owner, enabled: c.enabled })),
        // The acceptance account (billu:directory.acceptance): no person, but a member of the groups it joins, so a
        // group's members are its people and it.
        ...(plan.acceptance ? { acceptance: { sam: plan.acceptance.sam, dn: plan.acceptance.dn, groups: plan.acceptance.groups } } : {}),
    };
    return JSON.stringify(doc, null, 2) + "\n";
}

/** The docs section: one row per department and service. */
export function directoryDocs(plan: DirectoryPlan): { columns: string[]; rows: (string | number)[][] } {
    const rows: (string | number)[][] = [];
    const active = activePeople(plan);
    const services = [...new Set(active.map((p) => `${p.department}\u0000${p.service}`))].sort();
    for (const key of services) {
        const [department, service] = key.split("\u0000");
        const members = active.filter((p) => p.department === department && p.service === service);
        const group = members[0].groups[2];
        rows.push([department, service, group, members.length, members.filter((p) => p.computer).length]);
    }
    const left = plan.people.length - active.length;
    rows.push(["(departures)", plan.departuresDn, "", left, plan.computers.filter((c) => !c.enabled).length]);
    return { columns: ["department", "service", "group", "accounts", "computers"], rows };
}
