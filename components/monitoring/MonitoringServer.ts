import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { MonitoringPlan } from "../../model/monitoring";
import type { HostModel } from "../../model/site";
import { BaseServer } from "../base-server/BaseServer";
import { connectionTo, SiteServerArgs } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import { stepScript } from "../guest-step/render";
import type { IssuedCert, SiteCa } from "../site-ca/SiteCa";
import { configuredHosts } from "./config-input";
import { configStepFiles, MONITORING_SECRETS, pskSecretName, SERVER_DIRS, serverFiles } from "./render";

export interface MonitoringServerArgs {
    /** What the server's BaseServer takes from the site (SiteServerArgs): the model, render folder, guest access, readiness. */
    readonly site: SiteServerArgs;
    /** The site CA: it issues the frontend's certificate, and its certificate is the step's trust anchor. */
    readonly ca: SiteCa;
    /** The company's name (`site.company` of the config): it prefixes the Zabbix configuration document's host groups. */
    readonly company: string;
    /** The Zabbix server's host of the model (role monitoring; `model.host(plan.host.name)`). */
    readonly host: HostModel;
    /** The validated plan (model/monitoring.ts `planMonitoring`): the database, the server settings, the frontend's name. */
    readonly plan: MonitoringPlan;
    /**
     * Every monitored host's PSK (secret), by host name: the `monitoring-config` step gives each to its Zabbix host
     * (components/monitoring/role.ts `monitoringResources` makes them; a VPN partner's, read from its stack, are in it too).
     * Every host of `plan.hosts` and of `plan.partner.hosts` must have one.
     */
    readonly psks: ReadonlyMap<string, pulumi.Input<string>>;
    /**
     * What the server's step must wait for besides its own base step.
     * @default nothing more than the host's own readiness (BaseServer.ready)
     */
    readonly after?: readonly pulumi.Resource[];
}

/**
 * The Zabbix server: its Debian VM and base step (BaseServer, under the same name; the base step carries its own agent
 * like every host's), the database password (`<name>-zabbix-db`, generated), the frontend's certificate from the site
 * CA for its FQDN and address, and the `monitoring-server` step: PostgreSQL on the data disk, the Zabbix server, the
 * frontend on Apache and PHP-FPM over HTTPS, the daily database dump the in-guest backup saves. The password, the
 * certificate's key and the CA reach the guest through the step's secret channel only.
 *
 * When the plan has a Zabbix configuration document (it sends alert mails), the `monitoring-config` step follows the
 * server step: Admin's generated password (`<name>-zabbix-admin`) replaces the stock one, zabbix-config.py ensures
 * the document with every host's PSK, and the read-only API account (`<name>-zabbix-reader`, its password generated)
 * is kept for the acceptance run. Its triggers are what it stages (the document, the clients, the settings) and the
 * hash of its secrets (the passwords and the PSKs): a changed document, client or PSK set re-runs it.
 */
export class MonitoringServer extends pulumi.ComponentResource {
    public readonly server: BaseServer;
    public readonly certificate: IssuedCert;
    /** The database owner's password (secret): the server and the frontend log on with it. */
    public readonly dbPassword: random.RandomPassword;
    /** The server step: depend on it to order later steps (the API configuration) after the frontend answers. */
    public readonly step: GuestStep;
    /** Admin's API password (secret), set by the configuration step. Absent with the configuration step. */
    public readonly adminPassword?: random.RandomPassword;
    /** The read-only API account's password (secret). Absent with the configuration step. */
    public readonly readerPassword?: random.RandomPassword;
    /** The `monitoring-config` step; absent when the plan has no configuration document (no alert mail). */
    public readonly configStep?: GuestStep;

    constructor(name: string, args: MonitoringServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const { site, ca, host, plan } = args;
        const props = { host: plan.host.name, address: plan.host.address, fqdn: plan.fqdn, frontendUrl: plan.frontendUrl, database: plan.database.name };
        super("billu:monitoring:MonitoringServer", name, props, opts);
        if (host.name !== plan.host.name) throw new pulumi.ResourceError(`[host] ${host.name} is not the plan's Zabbix server ${plan.host.name}`, this);
        this.server = new BaseServer(name, { ...site, host }, { parent: this });
        // RandomPassword marks its result secret itself; letters and digits only (it goes into SQL and a PHP string).
        this.dbPassword = new random.RandomPassword(`${name}-zabbix-db`, { length: 40, special: false }, { parent: this });
        this.certificate = ca.issue(`${name}-zabbix`, {
            commonName: plan.certificate.commonName,
            dnsNames: plan.certificate.dnsNames,
            ipAddresses: plan.certificate.ipAddresses,
        });
        this.step = new GuestStep(
            `${name}-monitoring-server`,
            {
                host: host.name,
                step: "monitoring-server",
                os: "linux",
                connection: connectionTo(site, host, this.server.vm.vm),
                renderDir: site.renderDir,
                after: [...this.server.ready, ...(args.after ?? [])],
                dirs: SERVER_DIRS,
                files: serverFiles(plan),
                script: stepScript("linux", "monitoring/server-step.sh"),
                secrets: [MONITORING_SECRETS.dbPassword, MONITORING_SECRETS.ca, MONITORING_SECRETS.cert, MONITORING_SECRETS.key],
                secretValues: {
                    [MONITORING_SECRETS.dbPassword]: this.dbPassword.result,
                    [MONITORING_SECRETS.ca]: ca.certPem,
                    [MONITORING_SECRETS.cert]: this.certificate.certPem,
                    [MONITORING_SECRETS.key]: this.certificate.privateKeyPem,
                },
            },
            { parent: this },
        );
        const configFiles = configStepFiles(plan, args.company);
        if (configFiles) {
            const psks: Record<string, pulumi.Input<string>> = {};
            for (const h of configuredHosts(plan)) {
                const psk = args.psks.get(h.name);
                if (psk === undefined) throw new pulumi.ResourceError(`[psks] has no PSK for ${h.name}, a host of the monitoring plan`, this);
                psks[pskSecretName(h.name)] = psk;
            }
            // Letters and digits only: the passwords travel in `key=value` lines and JSON, and Zabbix's default policy takes them.
            this.adminPassword = new random.RandomPassword(`${name}-zabbix-admin`, { length: 32, special: false }, { parent: this });
            this.readerPassword = new random.RandomPassword(`${name}-zabbix-reader`, { length: 32, special: false }, { parent: this });
            this.configStep = new GuestStep(
                `${name}-monitoring-config`,
                {
                    host: host.name,
                    step: "monitoring-config",
                    os: "linux",
                    connection: connectionTo(site, host, this.server.vm.vm),
                    renderDir: site.renderDir,
                    after: [this.step.apply],
                    dirs: SERVER_DIRS,
                    files: configFiles,
                    script: stepScript("linux", "monitoring/config-step.sh"),
                    secrets: [MONITORING_SECRETS.adminPassword, MONITORING_SECRETS.readerPassword, ...Object.keys(psks)],
                    secretValues: {
                        [MONITORING_SECRETS.adminPassword]: this.adminPassword.result,
                        [MONITORING_SECRETS.readerPassword]: this.readerPassword.result,
                        ...psks,
                    },
                },
                { parent: this },
            );
        }
        this.registerOutputs(props);
    }
}
