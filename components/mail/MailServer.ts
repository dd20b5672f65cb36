import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { DomainModel } from "../../model/domain";
import { dkimRecord, MailPlan } from "../../model/mail";
import { HostModel } from "../../model/site";
import { BaseServer } from "../base-server/BaseServer";
import { connectionTo, GuestAccessArgs, SiteServerArgs } from "../context";
import type { SiteCa } from "../site-ca/SiteCa";
import { GuestStep } from "../guest-step/GuestStep";
import { StepSpec } from "../guest-step/render";
import { MAIL_SECRET } from "./common";
import { dkimPublicKeyData } from "./dkim";
import { mailPackagesStep, mailStep } from "./steps";
import { mailStoreStep } from "./store";
import { WEBMAIL_SECRET, webmailPackagesStep, webmailStep } from "./webmail";

export interface MailServerArgs extends GuestAccessArgs {
    /** The host of role mail. */
    readonly host: HostModel;
    /** The validated mail plan (`model.mail`): domains, mailboxes, aliases, certificate names, the LDAP service account. */
    readonly plan: MailPlan;
    /** The site's domain (`domainOf(model)`): its flavor and DCs, which Postfix and Dovecot query over LDAPS. */
    readonly domain: DomainModel;
    /** The first DC (`domain.dcs[0]`), where the `mail-directory` step runs, and its VM (built by the dc role), which that step follows. */
    readonly firstDc: { readonly host: HostModel; readonly vm: pulumi.Resource };
    /**
     * What this server's BaseServer takes from the site (its VM, base step and domain join): the model, the render
     * folder and guest access, the router's and the domain's readiness, the join password, the every-host needs.
     * Nothing else of this component reads it.
     */
    readonly baseServer: SiteServerArgs;
    /** The site CA: it issues the server's certificate, and its certificate is installed as the trust anchor. */
    readonly ca: SiteCa;
    /** The domain's readiness (forest, DCs, DNS records): the `mail-directory` and `mail-packages` steps wait for it. */
    readonly domainReady: readonly pulumi.Resource[];
    /**
     * The directory's `mail-directory` step for this plan (rendered by components/directory/mail.ts), which this
     * server runs on the first DC before its own `mail` step. Passed in (components/mail/role.ts), so the mail
     * component imports no other component's internals.
     */
    readonly directoryStep: StepSpec;
    /** The networks that reach the webmail: the department zones' CIDRs, as the flows model/mail.ts requires (read when `plan.webmail` is set). */
    readonly webmailNetworks: readonly string[];
    /** The site's name (`billu:site.name`), in the webmail files' generated headers. */
    readonly siteName: string;
}

/**
 * The mail server: its Debian VM (BaseServer: base step, domain join), a certificate from the site CA, the LDAP
 * service account's generated password, then three guest steps after the domain is up: `mail-directory` on the
 * first DC (the service account, the aliases as proxyAddresses), `mail-packages` on the mail host, and `mail`
 * (TLS, Postfix, Dovecot, rspamd; each file checked by its daemon before it is installed). Stateful: the VM is
 * protected in prod like every stateful VM (ProxmoxVm, from the model's `stateful`).
 */
export class MailServer extends pulumi.ComponentResource {
    public readonly server: BaseServer;
    /** The `mail` step: the server is serving. */
    public readonly mail: GuestStep;
    /** The `mail-directory` step on the first DC. */
    public readonly directory: GuestStep;
    /** The `webmail` step (Roundcube, Apache), when `plan.webmail` is set. */
    public readonly webmail?: GuestStep;
    /** The DKIM key record's value (`v=DKIM1; k=rsa; p=...`) to publish at `plan.dkim.recordName` (public data). */
    public readonly dkimRecord: pulumi.Output<string>;

    constructor(name: string, args: MailServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:mail:MailServer", name, {}, opts);
        const { host, plan, domain, ca } = args;
        this.server = new BaseServer(name, { ...args.baseServer, host }, { parent: this });
        const password = new random.RandomPassword(
            `${name}-ldap-password`,
            // Letters and digits only: the password sits in Postfix and Dovecot files where other characters have
            // meanings; 32 of them carry ~190 bits, and the three classes satisfy AD's complexity rule.
            { length: 32, special: false, minUpper: 2, minLower: 2, minNumeric: 2 },
            { parent: this },
        ).result;
        const cert = ca.issue(
            `${name}-mail`,
            { commonName: plan.hostname, dnsNames: plan.certificate.dnsNames, ipAddresses: plan.certificate.ipAddresses },
            { parent: this },
        );
        // The mail domain's DKIM key (RSA 2048, what every receiver verifies; RFC 8301 requires at least 1024 bits). Its
        // private half reaches the mail host only through the step's stdin; the public half is the DNS record's `p=`.
        const dkim = new tls.PrivateKey(
            `${name}-dkim`,
            { algorithm: "RSA", rsaBits: 2048 },
            { parent: this, additionalSecretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"] },
        );
        this.dkimRecord = dkim.publicKeyPem.apply((pem) => dkimRecord(dkimPublicKeyData(pem)));
        const values: Record<string, pulumi.Input<string>> = {
            [MAIL_SECRET.ldap]: password,
            [MAIL_SECRET.cert]: cert.certPem,
            [MAIL_SECRET.key]: cert.privateKeyPem,
            [MAIL_SECRET.ca]: ca.certPem,
            [MAIL_SECRET.dkimKey]: dkim.privateKeyPem,
            [MAIL_SECRET.dkimPublic]: dkim.publicKeyPem.apply(dkimPublicKeyData),
        };
        if (plan.webmail) {
            // Roundcube's des_key: exactly 24 characters (3DES key length), letters and digits (it sits in a PHP string).
            values[WEBMAIL_SECRET.desKey] = new random.RandomPassword(`${name}-webmail-des-key`, { length: 24, special: false }, { parent: this }).result;
        }
        const step = (child: string, stepName: string, on: HostModel, spec: StepSpec, os: "linux" | "windows", after: readonly pulumi.Resource[]) =>
            new GuestStep(
                `${name}-${child}`,
                {
                    host: on.name,
                    step: stepName,
                    os,
                    connection: connectionTo(args, on, on.name === host.name ? this.server.vm.vm : args.firstDc.vm),
                    renderDir: args.renderDir,
                    ...spec,
                    secretValues: values,
                    after,
                },
                { parent: this },
            );
        this.directory = step("directory", "mail-directory", args.firstDc.host, args.directoryStep, domain.flavor === "samba" ? "linux" : "windows", [
            ...args.domainReady,
        ]);
        // The packages first: the configuration step's checks run postfix and doveconf before its body could install them.
        // The mail store on the data disk (when the host has one), mounted before Dovecot is installed and writes to it.
        const storeSpec = mailStoreStep(host);
        const store = storeSpec && step("store", "mail-store", host, storeSpec, "linux", [...this.server.ready]);
        const packages = step("packages", "mail-packages", host, mailPackagesStep(), "linux", [
            ...this.server.ready,
            ...args.domainReady,
            ...(store ? [store.apply] : []),
        ]);
        this.mail = step("mail", "mail", host, mailStep(plan, domain), "linux", [packages.apply, this.directory.apply]);
        if (plan.webmail) {
            // After `mail`: Roundcube uses its certificate, its CA file, Dovecot and submission.
            const inputs = { plan, networks: args.webmailNetworks, siteName: args.siteName };
            const webPackages = step("webmail-packages", "webmail-packages", host, webmailPackagesStep(), "linux", [this.mail.apply]);
            this.webmail = step("webmail", "webmail", host, webmailStep(inputs), "linux", [webPackages.apply]);
        }
        this.registerOutputs({ dkimRecord: this.dkimRecord });
    }
}
