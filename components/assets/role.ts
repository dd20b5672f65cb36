import type * as pulumi from "@pulumi/pulumi";
import { GLPI_API_TOKENS_OUTPUT, INVENTORY_AGENT_NEED } from "../../model/assets";
import type { AssetsPlan } from "../../model/assets";
import { DomainModel, domainOf } from "../../model/domain";
import { assetsService } from "../../model/services/assets";
import { planOf } from "../../model/services/types";
import type { EveryHostRenderer } from "../base-server/every-host";
import { buildServerRole } from "../base-server/server-role";
import { builtVm, SiteContext, siteServer } from "../context";
import type { RoleBuilder } from "../contracts";
import { StepSpec, stepScript } from "../guest-step/render";
import { AssetsServer } from "./AssetsServer";
import { AGENT_CA_SECRET, agentFiles } from "./render";

/**
 * What the assets role takes from other components, as values: components/registry.ts passes them in, so this
 * component imports no other component's internals.
 */
export interface AssetsRoleInputs {
    /** The directory's renderer of its `assets-directory` step (components/directory/assets.ts), run on the first DC. */
    readonly directoryStep: (plan: AssetsPlan, domain: DomainModel) => StepSpec;
}

/** The assets role: the plan's server becomes an AssetsServer; any other host of role assets is a BaseServer. */
export const assetsBuilder =
    (inputs: AssetsRoleInputs): RoleBuilder =>
    (ctx, hosts, parent) => {
        const plan = planOf(assetsService, ctx.model);
        const site = siteServer(ctx);
        let server: AssetsServer | undefined;
        const result = buildServerRole(
            site,
            hosts,
            parent,
            plan && {
                host: plan.host.name,
                make: (name, host) => {
                    const domain = domainOf(ctx.model);
                    const dc1 = ctx.model.host(domain.dcs[0].name);
                    return (server = new AssetsServer(
                        name,
                        {
                            site,
                            ca: ctx.ca,
                            host,
                            plan,
                            firstDc: { host: dc1, vm: builtVm(ctx, dc1.name) },
                            directoryStep: inputs.directoryStep(plan, domain),
                        },
                        { parent },
                    ));
                },
            },
        );
        // The acceptance run's ticket scenario logs on to GLPI's REST API with these (a secret output).
        return server ? { ...result, secretOutputs: { [GLPI_API_TOKENS_OUTPUT]: server.apiTokens } } : result;
    };

/** What the inventory agents share: the site CA's certificate (the agent verifies GLPI's certificate with it). */
export interface AssetsResources {
    readonly caPem: pulumi.Output<string>;
}

export function assetsResources(ctx: SiteContext): AssetsResources {
    return { caPem: ctx.ca.certPem };
}

/**
 * The inventory agent in a Debian host's base step: Debian's fusioninventory-agent, its configuration (GLPI's native
 * inventory endpoint, verified against the site CA) and its timer (scripts/assets/agent-step.sh). Windows hosts are not
 * in the plan's agents (the GLPI agent's MSI by GPO is not built yet, docs/services/assets.md).
 */
export const renderInventoryAgent: EveryHostRenderer = (model, host, resources) => {
    const plan = planOf(assetsService, model);
    const caPem = (resources as AssetsResources | undefined)?.caPem;
    if (!plan || !caPem || !plan.inventory.agents.includes(host.name)) return { unsupported: "billu:assets plans no inventory agent for this host" };
    return {
        files: agentFiles(plan, { name: host.name, zone: host.zone }),
        script: stepScript("linux", "assets/agent-step.sh"),
        secrets: { [AGENT_CA_SECRET]: caPem },
    };
};

export { INVENTORY_AGENT_NEED };
