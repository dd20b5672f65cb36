import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AssetsPlan } from "../../model/assets";
import type { HostModel } from "../../model/site";
import { isWindows } from "../../model/core";
import { CertifiedServerComponent, ServiceServerArgs } from "../base-server/certified-server";
import { connectionTo } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import type { StepSpec } from "../guest-step/render";
import { ASSETS_SECRETS, assetsDirs, assetsFiles, assetsStepScript } from "./render";

/** The GLPI server's args: the site and its CA, the server's host, the validated plan (model/assets.ts `planAssets`). */
export interface AssetsServerArgs extends ServiceServerArgs<AssetsPlan> {
    /** The first DC (`domain.dcs[0]`), where the `assets-directory` step runs, and its VM (built by the dc role), which that step follows. */
    readonly firstDc: { readonly host: HostModel; readonly vm: pulumi.Resource };
    /**
     * The directory's `assets-directory` step for this plan (rendered by components/directory/assets.ts), which this
     * server runs on the first DC before its own step. Passed in (components/assets/role.ts), so this component
     * imports no other component's internals.
     */
    readonly directoryStep: StepSpec;
}

/**
 * The GLPI server: its Debian VM and base step (BaseServer, under the same name; with `joinDomain: true` its `ad-join`
 * step makes it an AD member), a certificate from the site CA for its FQDN and address, two generated passwords (the
 * database's, `<name>-glpi-db`, and the LDAP service account's, `<name>-glpi-ldap`), the `assets-directory` step on
 * the first DC (the service account, which owns the helpdesk mailbox), then the `glpi-server` step: MariaDB, the
 * pinned GLPI release (checksum verified), `php bin/console db:install|db:update`, the site's settings, Apache over
 * HTTPS. The passwords, the certificate's key and the CA reach the guests through the steps' secret channel only.
 */
export class AssetsServer extends CertifiedServerComponent {
    /** The database password (secret): MariaDB's `glpi` user and GLPI's config_db.php. */
    public readonly dbPassword: pulumi.Output<string>;
    /** The LDAP service account's password (secret), also the helpdesk mailbox's. */
    public readonly ldapPassword: pulumi.Output<string>;
    /**
     * GLPI's REST API tokens (secret), the stack output `glpiApiTokens` (GLPI_API_TOKENS_OUTPUT): JSON
     * `{"appToken", "user", "userToken"}` (user and userToken absent when the directory has no acceptance account).
     */
    public readonly apiTokens: pulumi.Output<string>;
    /** The `assets-directory` step on the first DC. */
    public readonly directory: GuestStep;

    constructor(name: string, args: AssetsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const { plan } = args;
        const props = {
            host: plan.host.name,
            fqdn: plan.fqdn,
            address: plan.host.address,
            url: plan.url,
            version: plan.glpi.version,
            pinned: plan.glpi.sha256 !== undefined,
        };
        let made: { db: pulumi.Output<string>; ldap: pulumi.Output<string>; api: pulumi.Output<string>; directory: GuestStep } | undefined;
        const spec = (self: pulumi.Resource) => {
            // Letters and digits only: the passwords sit in PHP and SQL strings and GLPI rawurlencode()s its own.
            const db = new random.RandomPassword(`${name}-glpi-db`, { length: 40, special: false }, { parent: self }).result;
            // The three classes satisfy AD's complexity rule; 32 of them carry ~190 bits.
            const ldap = new random.RandomPassword(
                `${name}-glpi-ldap`,
                { length: 32, special: false, minUpper: 2, minLower: 2, minNumeric: 2 },
                { parent: self },
            ).result;
            // GLPI's REST API tokens (40 letters and digits, as GLPI makes its own): the API client's App-Token and the
            // acceptance account's API token; the glpi-server step sets them, the acceptance run reads them from the outputs.
            const token = (role: string) => new random.RandomPassword(`${name}-glpi-api-${role}`, { length: 40, special: false }, { parent: self }).result;
            const appToken = token("app");
            const userToken = plan.api.user ? token("user") : undefined;
            const api = pulumi
                .all([appToken, userToken ?? ""])
                .apply(([a, u]) => JSON.stringify({ appToken: a, ...(plan.api.user ? { user: plan.api.user, userToken: u } : {}) }));
            const dc = args.firstDc.host;
            const directory = new GuestStep(
                `${name}-directory`,
                {
                    host: dc.name,
                    step: "assets-directory",
                    os: isWindows(dc.os) ? "windows" : "linux",
                    connection: connectionTo(args.site, dc, args.firstDc.vm),
                    renderDir: args.site.renderDir,
                    ...args.directoryStep,
                    secretValues: { [ASSETS_SECRETS.ldap]: ldap },
                    after: [...args.site.domainReady],
                },
                { parent: self },
            );
            made = { db, ldap, api, directory };
            return {
                site: args.site,
                ca: args.ca,
                host: args.host,
                certName: "glpi",
                certificate: plan.certificate,
                step: "glpi-server",
                secretNames: { ca: ASSETS_SECRETS.ca, cert: ASSETS_SECRETS.cert, key: ASSETS_SECRETS.key },
                moreSecrets: {
                    [ASSETS_SECRETS.db]: db,
                    [ASSETS_SECRETS.ldap]: ldap,
                    [ASSETS_SECRETS.apiApp]: appToken,
                    ...(userToken ? { [ASSETS_SECRETS.apiUser]: userToken } : {}),
                },
                dirs: assetsDirs(plan),
                files: assetsFiles(plan),
                script: assetsStepScript(),
                after: [...(args.after ?? []), directory.apply],
            };
        };
        super("billu:assets:AssetsServer", name, props, spec, opts);
        this.dbPassword = made!.db;
        this.ldapPassword = made!.ldap;
        this.directory = made!.directory;
        this.apiTokens = pulumi.secret(made!.api);
    }
}
