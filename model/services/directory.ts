/** The directory: OUs, groups, accounts and computers from the HR export and the lock (`billu:directory`), model/directory.ts. */
import { z } from "zod";
import { directoryOf, DirectoryPlan } from "../directory";
import { text } from "../text";
import { defineService } from "./types";

/** A path relative to the project root. */
const filePath = text(255, "a path relative to the project root");

export const directorySchema = z
    .object({
        hrCsv: filePath.describe("The HR export (CSV, `;`), relative to the project root."),
        lock: filePath.optional().describe("The directory lock, relative to the project root. Default: none, an empty lock (everyone is new)."),
        mailDomain: z
            .string()
            .max(253)
            .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "must be a lower-case DNS domain")
            .optional()
            .describe("Domain of the mail addresses the directory plan derives. Default: billu:site.domain."),
    })
    .strict()
    .describe("The AD directory built from the HR export.");

export type DirectoryConfig = z.output<typeof directorySchema>;

export const directoryService = defineService<DirectoryConfig, DirectoryPlan>({
    key: "directory",
    title: "the directory",
    config: { directory: directorySchema.optional() },
    after: [],
    plan: ({ config, all, core, hr, loaders, problems }) =>
        hr
            ? directoryOf(
                  { site: core.site, directory: config, hosts: (all.hosts ?? []) as { name: string; role: string }[] },
                  hr,
                  core.zones,
                  loaders.lock,
                  problems,
              )
            : undefined,
});
