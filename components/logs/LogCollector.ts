import * as pulumi from "@pulumi/pulumi";
import { LogsPlan } from "../../model/logs";
import { CertifiedServerComponent, ServiceServerArgs } from "../base-server/certified-server";
import { GuestDir, GuestFile } from "../guest-step/render";
import { IssuedCert, SiteCa } from "../site-ca/SiteCa";
import { clientFiles, collectorDirs, collectorFiles, LOGS_SECRETS, rsyslogStepScript } from "./render";

/** TLS client certificates: what a log client presents to the collector (no server use). */
export const CLIENT_CERT_USES = ["digital_signature", "key_encipherment", "client_auth"] as const;

/** The collector's args: the site and its CA, the collector's host, the validated plan (model/logs.ts `planLogs`: the collector, port, retention, clients), what its step waits for. */
export type LogCollectorArgs = ServiceServerArgs<LogsPlan>;

/**
 * The log collector: its Debian VM and base step (BaseServer, under the same name), a server certificate from the
 * site CA for its FQDN and address, and the `logs-collector` step: rsyslog with the gtls driver receiving syslog over
 * TLS from the site CA's clients only, one folder per host under /var/log/remote, logrotate for the retention. The
 * certificate and key reach the guest through the step's secret channel (the key 0600); rsyslog restarts only when
 * a file changed. Stateful in spirit (it holds the logs), but the role's `stateful` flag is the registry's. Built as
 * every service's own server is (components/base-server/certified-server.ts).
 */
export class LogCollector extends CertifiedServerComponent {
    constructor(name: string, args: LogCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        const { plan } = args;
        const props = { host: plan.host.name, address: plan.host.address, fqdn: plan.fqdn, port: plan.port, retentionDays: plan.retentionDays };
        const spec = () => ({
            site: args.site,
            ca: args.ca,
            host: args.host,
            certName: "logs",
            certificate: plan.certificate,
            step: "logs-collector",
            secretNames: LOGS_SECRETS,
            dirs: collectorDirs(plan),
            files: collectorFiles(plan),
            script: rsyslogStepScript(),
            after: args.after,
        });
        super("billu:logs:LogCollector", name, props, spec, opts);
    }
}

/** What one host needs to forward its logs: a guest step's name, files, folders, body and secrets. */
export interface LogClientStep {
    /** The step name, unique on the host. */
    readonly step: "logs-forward";
    readonly files: readonly GuestFile[];
    readonly dirs: readonly GuestDir[];
    readonly script: string;
    /** The site CA's certificate, the host's client certificate and its key (secret): the step's stdin. */
    readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
    readonly certificate: IssuedCert;
}

/**
 * The "on every host" part of log collection, for ANY host of the site: the files, body and secrets of its
 * `logs-forward` step, with a client certificate the site CA issues for it (children `<ca>-logs-<host>-key|csr|cert`,
 * parented to the CA). Undefined for a host that does not forward (the collector itself, a Windows host, a host left
 * out by billu:logs.forward): the caller adds nothing then. The caller runs it as a GuestStep of its own or merges
 * it into the host's base step.
 */
export function logClientStep(ca: SiteCa, plan: LogsPlan, hostName: string, opts?: pulumi.CustomResourceOptions): LogClientStep | undefined {
    const files = clientFiles(plan, hostName);
    const client = plan.clients.find((c) => c.name === hostName);
    if (!files || !client) return undefined;
    const certificate = ca.issue(
        `logs-${hostName.toLowerCase()}`,
        {
            commonName: client.certificate.commonName,
            dnsNames: client.certificate.dnsNames,
            ipAddresses: client.certificate.ipAddresses,
            allowedUses: [...CLIENT_CERT_USES],
        },
        opts,
    );
    return {
        step: "logs-forward",
        files,
        dirs: [],
        script: rsyslogStepScript(),
        secrets: { [LOGS_SECRETS.ca]: ca.certPem, [LOGS_SECRETS.cert]: certificate.certPem, [LOGS_SECRETS.key]: certificate.privateKeyPem },
        certificate,
    };
}
