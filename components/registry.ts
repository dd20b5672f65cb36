/**
 * The component side of the service registry (model/services/registry.ts lists the descriptors; the layer rules
 * keep the model from importing components, so the two halves are two lists). For each service key: the builder of
 * its role's hosts, and the renderer of its every-host need with the resources it makes once for every host. A
 * role without a builder gets BaseServer VMs (member servers).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { EveryHostRenderer } from "./base-server/every-host";
import type { SiteContext } from "./context";
import type { DocSections, RoleBuilder } from "./contracts";
import { assetsBuilder, assetsResources, INVENTORY_AGENT_NEED, renderInventoryAgent } from "./assets/role";
import { BACKUP_CLIENT_NEED, backupResources, buildBackup, declareBackupData, renderBackupClient } from "./backup/role";
import { buildDomainControllers } from "./domain-controller/builder";
import { buildDhcp } from "./dhcp/role";
import { buildClients, joinClients } from "./client/role";
import { buildFileServers, shareFileServers } from "./fileserver/role";
import { buildFtp } from "./ftp/role";
import { buildGpo } from "./gpo/role";
import { buildPbx } from "./telephony/role";
import { buildLogs, logShipperResources, renderLogShipper } from "./logs/role";
import { mailBuilder } from "./mail/role";
import { buildMonitoring, MONITORING_AGENT_NEED, monitoringResources, renderMonitoringAgent } from "./monitoring/role";
import { assetsDirectoryStep } from "./directory/assets";
import { mailDirectoryStep } from "./directory/mail";
import { buildMx } from "./mx/role";
import { buildVmBackup } from "./vm-backup/role";
import { buildWeb } from "./web/role";
import { buildWsus } from "./wsus/role";

export interface ServiceComponents {
    /** Builds every host of the service's role, in start order. @default BaseServer VMs */
    readonly build?: RoleBuilder;
    /** Its every-host need: the name its descriptor declares, what it makes once for all hosts, and its renderer. */
    readonly everyHost?: {
        readonly need: string;
        readonly resources: (ctx: SiteContext, parent: pulumi.Resource) => unknown;
        readonly render: EveryHostRenderer;
    };
    /**
     * Builds what the service makes once for the whole site, after every role's VMs exist (the backup jobs over them),
     * and returns its docs sections. @default nothing
     */
    readonly site?: (ctx: SiteContext, parent: pulumi.Resource) => DocSections | undefined;
}

export const COMPONENTS: Readonly<Record<string, ServiceComponents>> = {
    dc: { build: buildDomainControllers },
    // The clients join once the directory made their OUs (the site-wide pass): their VMs are built with the roles.
    client: { build: buildClients, site: joinClients },
    dhcp: { build: buildDhcp },
    // The file servers' shares name the directory's and the trust's groups: their `shares` step is built in the site-wide pass.
    fileserver: { build: buildFileServers, site: shareFileServers },
    gpo: { site: buildGpo },
    web: { build: buildWeb },
    wsus: { build: buildWsus },
    // The mail server runs the directory's `mail-directory` step on the first DC: its renderer is handed over here.
    mail: { build: mailBuilder({ directoryStep: mailDirectoryStep }) },
    mx: { build: buildMx },
    ftp: { build: buildFtp },
    pbx: { build: buildPbx },
    // GLPI runs the directory's `assets-directory` step on the first DC (its renderer handed over like mail's), and an inventory agent on every Debian host.
    assets: {
        build: assetsBuilder({ directoryStep: assetsDirectoryStep }),
        everyHost: { need: INVENTORY_AGENT_NEED, resources: assetsResources, render: renderInventoryAgent },
    },
    "vm-backup": { site: buildVmBackup },
    logs: { build: buildLogs, everyHost: { need: "log-shipper", resources: logShipperResources, render: renderLogShipper } },
    backup: {
        build: buildBackup,
        everyHost: { need: BACKUP_CLIENT_NEED, resources: backupResources, render: renderBackupClient },
        site: declareBackupData,
    },
    monitoring: { build: buildMonitoring, everyHost: { need: MONITORING_AGENT_NEED, resources: monitoringResources, render: renderMonitoringAgent } },
};
