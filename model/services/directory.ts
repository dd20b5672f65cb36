/** The directory: OUs, groups, accounts and computers from the HR export and the lock (`billu:directory`), model/directory.ts. */
import { z } from "zod";
import { acceptanceFlows, directoryOf, DirectoryPlan, planAcceptance, planDriftReader, planPrivilegedGroups } from "../directory";
import { driftSchema, planDrift } from "../directory-drift";
import { onboardingSchema, planOnboarding } from "../directory-onboarding";
import { passwordPolicySchema, planPasswordPolicy } from "../password-policy";
import { text } from "../text";
import { defineService, Requirement } from "./types";

/** A path relative to the project root. */
const filePath = text(255, "a path relative to the project root");

export const directorySchema = z
    .object({
        hrCsv: filePath.describe("The HR export (CSV, `;`), relative to the project root."),
        lock: filePath.optional().describe("The directory lock, relative to the project root. Default: none, an empty lock (everyone is new)."),
        hrDrop: z
            .string()
            .max(255)
            .regex(
                /^\/(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/,
                "must be an absolute path of letters, digits, dots, dashes, underscores and slashes, without . or .. parts or a trailing slash (e.g. /srv/billu/hr-drop)",
            )
            .optional()
            .describe(
                "The HR drop folder on the management host (an absolute path, e.g. /srv/billu/hr-drop): a new export dropped there is checked and planned " +
                    "against the lock by `npm run directory:hr-report`, run by the systemd units that `npm run directory:hr-report -- --stack <name> --units <dir>` " +
                    "renders; the report lands beside the export, nothing is applied. Default: none (no drop folder; the units cannot be rendered).",
            ),
        mailDomain: z
            .string()
            .max(253)
            .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "must be a lower-case DNS domain")
            .optional()
            .describe("Domain of the mail addresses the directory plan derives. Default: billu:site.domain."),
        acceptance: z
            .object({
                account: z
                    .string()
                    .regex(
                        /^[a-z][a-z0-9-]{0,19}$/,
                        "must be a sAMAccountName of at most 20 lowercase letters, digits or dashes (no dot: HR accounts have one)",
                    )
                    .default("svc-acceptance")
                    .describe("The acceptance account's name (sAMAccountName; its UPN is <account>@billu:site.domain). Default: svc-acceptance."),
                ou: z
                    .string()
                    .regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$/, "must be letters, digits, spaces, _ or - (at most 64)")
                    .default("Acceptance")
                    .describe("Its own OU, under the company's managed OU. Default: Acceptance."),
                enabled: z
                    .boolean()
                    .default(true)
                    .describe(
                        "Whether the account is enabled. Default: true, because a run never changes the site (issue #23): " +
                            "a site that wants it disabled between runs sets false and enables it with `pulumi up` (true) for the run.",
                    ),
                department: z
                    .string()
                    .min(1)
                    .max(64)
                    .optional()
                    .describe(
                        "The department whose group (GG_<department>) the account joins, so the shares scenario writes to that department's share " +
                            "and is refused on another's. It stays no person of the HR export (no title, manager or service group, not in All staff). " +
                            "Default: none (no share access; the shares scenario then fails with that reason). BillU's stacks name DSI, the team that runs the checks.",
                    ),
                mailbox: z
                    .boolean()
                    .default(true)
                    .describe(
                        "Whether the account has a mailbox (its mail attribute <account>@<the directory's mail domain>), which the mail scenario sends to " +
                            "and reads. Default: true (a mailbox gives access to nothing but itself).",
                    ),
            })
            .strict()
            .default({})
            .describe(
                "The acceptance account `npm run acceptance` logs on as: created by the directory step in an OU of its own, " +
                    "its password a generated secret (the secret stack output `acceptancePassword`), member of billu:domain.linuxLogin.sshGroup.",
            ),
        accountPolicy: passwordPolicySchema.optional(),
        drift: driftSchema,
        onboarding: onboardingSchema,
    })
    .strict()
    .describe("The AD directory built from the HR export.");

export type DirectoryConfig = z.output<typeof directorySchema>;

export const directoryService = defineService<DirectoryConfig, DirectoryPlan>({
    key: "directory",
    title: "the directory",
    config: { directory: directorySchema.optional() },
    after: [],
    plan: ({ config, all, core, hr, loaders, problems }) => {
        if (!hr) return undefined;
        const plan = directoryOf(
            { site: core.site, directory: config, hosts: (all.hosts ?? []) as { name: string; role: string }[] },
            hr,
            core.zones,
            loaders.lock,
            problems,
        );
        if (!plan) return undefined;
        // The domain's keys as parsed by its own schema (billu:domain, model/domain.ts).
        const domain = all.domain as { joinAccount?: string; linuxLogin?: { sshGroup: string; sudoGroup: string } } | undefined;
        const acceptanceCfg = config?.acceptance ?? { account: "svc-acceptance", ou: "Acceptance", enabled: true, mailbox: true };
        const acceptance = planAcceptance(acceptanceCfg, plan, { joinAccount: domain?.joinAccount, sshGroup: domain?.linuxLogin?.sshGroup }, problems);
        if (!acceptance) return undefined;
        const flavor = (all.domain as { flavor?: "samba" | "windows" } | undefined)?.flavor ?? "samba";
        const adminUser = (all.guest as { adminUser?: string } | undefined)?.adminUser ?? "";
        const privileged = planPrivilegedGroups(flavor, adminUser);
        // The schema's defaults when billu:directory names no drift key (config is then parsed already, so this is them).
        const driftCfg = config?.drift ?? driftSchema.parse(undefined);
        const drift = planDrift(driftCfg, flavor);
        // The read-only account of `npm run directory:drift` (issue #27).
        const driftReader = planDriftReader(driftCfg.reader, plan, acceptance, domain?.joinAccount, problems);
        if (!driftReader) return undefined;
        // Where the applier delivers new accounts' initial passwords (issue #24): a sheet only the readers' group reads.
        const onboarding = planOnboarding(config?.onboarding ?? onboardingSchema.parse(undefined), plan.groups, flavor, problems);
        if (!onboarding) return undefined;
        // Without billu:domain (reported by the domain model) the join account is unknown: no policy, no cascade of errors.
        if (!config?.accountPolicy || !domain) return { ...plan, acceptance, privileged, drift, driftReader, onboarding };
        const joins = ((all.hosts ?? []) as { joinDomain?: boolean }[]).some((h) => h.joinDomain === true);
        const passwordPolicy = planPasswordPolicy(
            config.accountPolicy,
            {
                groups: plan.groups,
                people: plan.people,
                // The join account exists only when a Debian host joins the domain (the DC step creates it then).
                serviceAccounts: [acceptance.sam, ...(domain?.joinAccount && joins ? [domain.joinAccount] : [])],
                domainGroups: domain?.linuxLogin ? [domain.linuxLogin.sshGroup, domain.linuxLogin.sudoGroup] : [],
            },
            problems,
        );
        return passwordPolicy ? { ...plan, acceptance, passwordPolicy, privileged, drift, driftReader, onboarding } : undefined;
    },
    // Where the acceptance runs from (a management host) must reach what its account's scenarios log on to.
    requires: (plan, { core }): Requirement[] =>
        plan.acceptance ? acceptanceFlows(plan.acceptance, core.zones, core.hosts).map((f) => ({ kind: "flow" as const, ...f })) : [],
});
