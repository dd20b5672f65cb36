/**
 * The account a scenario logs on as, shared by the scenarios that need one (`needs: ["account"]`): its name and
 * password as the run was given them, and what the model knows of it (the directory plan's groups), so that each
 * scenario picks its department's folder or share from the model, never from the server.
 */
import type { SiteModel } from "../../../model/site";
import type { ScenarioInput } from "../types";

/** The run's account (`--account`, the password from BILLU_ACCEPTANCE_PASSWORD); a dry run without one prints `<--account>`. */
export function runAccount(input: ScenarioInput): { readonly name: string; readonly password: string } {
    return input.account ?? { name: "<--account>", password: "" };
}

/** An account of the model's directory plan: its managed groups, and whether it is the acceptance account. */
export interface DirectoryAccount {
    readonly groups: readonly string[];
    /** billu:directory.acceptance (in its department's group only, never GG_Personnel), not a person of the HR export. */
    readonly acceptance: boolean;
}

/**
 * `account` in the model's directory plan (names compared case-insensitively): the acceptance account, else an enabled
 * person of the HR export; a reason instead when it is neither, or when it is the acceptance account with no
 * department (`uses` says what its department gives it, e.g. "the department whose share it writes to").
 */
export function directoryAccountOf(model: SiteModel, account: string, uses: string): DirectoryAccount | { reason: string } {
    const acceptance = model.directory?.acceptance;
    const wanted = account.toLowerCase();
    if (acceptance && acceptance.sam.toLowerCase() === wanted) {
        if (acceptance.groups.length === 0) return { reason: `${account} is in no department's group: set billu:directory.acceptance.department (${uses})` };
        return { groups: acceptance.groups, acceptance: true };
    }
    const person = model.directory?.people.find((p) => p.sam.toLowerCase() === wanted && p.enabled);
    if (!person)
        return {
            reason: `${account} is not an enabled account of the model's directory plan (the HR export) nor its acceptance account (billu:directory.acceptance)`,
        };
    return { groups: person.groups, acceptance: false };
}
