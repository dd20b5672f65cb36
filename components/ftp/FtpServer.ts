import * as pulumi from "@pulumi/pulumi";
import type { FtpPlan } from "../../model/ftp";
import { CertifiedServerComponent, ServiceServerArgs } from "../base-server/certified-server";
import { FTP_SECRETS, ftpDirs, ftpFiles, ftpStepScript } from "./render";

/** The FTP server's args: the site and its CA, the server's host, the validated plan (model/ftp.ts `planFtp`), what its step waits for. */
export type FtpServerArgs = ServiceServerArgs<FtpPlan>;

/**
 * The FTP server: its Debian VM and base step (BaseServer, under the same name; with `joinDomain: true` its `ad-join`
 * step makes it an AD member through SSSD), a server certificate from the site CA for its FQDN and address, and the
 * `ftp-server` step: vsftpd with explicit TLS required, PAM for the allowed AD groups from the allowed zones, the
 * exchange folders, log rotation and forwarding. The step waits for the join (BaseServer.ready), since the folders'
 * groups and the PAM stack need SSSD. Built as every service's own server is (components/base-server/certified-server.ts).
 */
export class FtpServer extends CertifiedServerComponent {
    constructor(name: string, args: FtpServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const { plan } = args;
        const props = {
            host: plan.host.name,
            fqdn: plan.fqdn,
            address: plan.host.address,
            passivePorts: `${plan.passive.min}-${plan.passive.max}`,
            allowedZones: plan.allowedZones.map((z) => z.name),
            folders: plan.folders.map((f) => f.name),
        };
        const spec = () => ({
            site: args.site,
            ca: args.ca,
            host: args.host,
            certName: "ftp",
            certificate: plan.certificate,
            step: "ftp-server",
            secretNames: FTP_SECRETS,
            dirs: ftpDirs(plan),
            files: ftpFiles(plan),
            script: ftpStepScript(plan),
            after: args.after,
        });
        super("billu:ftp:FtpServer", name, props, spec, opts);
    }
}
