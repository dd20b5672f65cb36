import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface SiteCaArgs {
    /** Organization in the subjects (`BillU`). */
    readonly organization: string;
    /** Common name of the CA (`BillU Paris root CA`). */
    readonly commonName: string;
    /** Validity of the CA certificate in hours. @default 87600 (10 years) */
    readonly validityHours?: number;
}

export interface IssueArgs {
    /** The subject's common name (a host's FQDN, a site's name). */
    readonly commonName: string;
    /** The DNS names of the certificate's subject alternative names. @default none */
    readonly dnsNames?: readonly string[];
    /** The IP addresses of the certificate's subject alternative names. @default none */
    readonly ipAddresses?: readonly string[];
    /** What the key may be used for (TLS server, client, both). @default ["digital_signature", "key_encipherment", "server_auth"] */
    readonly allowedUses?: readonly string[];
    /** How long the certificate is valid, in hours. @default 8760 (1 year); renewed by the next `pulumi up` within 30 days of expiry */
    readonly validityHours?: number;
}

export interface IssuedCert {
    /** PEM certificate (public). */
    readonly certPem: pulumi.Output<string>;
    /** PEM private key (secret). */
    readonly privateKeyPem: pulumi.Output<string>;
    /** RFC 3339 end of validity. */
    readonly validityEndTime: pulumi.Output<string>;
    readonly commonName: string;
}

/**
 * The site's certificate authority (ECDSA P-384), kept in the stack state so it is stable across runs. It issues
 * the certificates later components need (LDAPS, web, mail, VPN); every private key is a secret output.
 */
export class SiteCa extends pulumi.ComponentResource {
    public readonly certPem: pulumi.Output<string>;
    private readonly key: tls.PrivateKey;
    private readonly name: string;
    private readonly organization: string;

    constructor(name: string, args: SiteCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:pki:SiteCa", name, {}, opts);
        this.name = name;
        this.organization = args.organization;
        this.key = new tls.PrivateKey(
            `${name}-key`,
            { algorithm: "ECDSA", ecdsaCurve: "P384" },
            { parent: this, additionalSecretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"] },
        );
        const cert = new tls.SelfSignedCert(
            `${name}-cert`,
            {
                privateKeyPem: this.key.privateKeyPem,
                subject: { commonName: args.commonName, organization: args.organization },
                isCaCertificate: true,
                maxPathLength: 0,
                setSubjectKeyId: true,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                validityPeriodHours: args.validityHours ?? 87600,
                // Never renewed silently: a new CA would invalidate every issued certificate at once.
                earlyRenewalHours: 0,
            },
            { parent: this },
        );
        this.certPem = cert.certPem;
        this.registerOutputs({ certPem: this.certPem });
    }

    /** Issues a certificate signed by the CA; children are named `<ca>-<name>-key|csr|cert`. */
    issue(name: string, args: IssueArgs, opts?: pulumi.CustomResourceOptions): IssuedCert {
        const child = { parent: this, ...opts };
        const key = new tls.PrivateKey(
            `${this.name}-${name}-key`,
            { algorithm: "ECDSA", ecdsaCurve: "P384" },
            { ...child, additionalSecretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"] },
        );
        const csr = new tls.CertRequest(
            `${this.name}-${name}-csr`,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: args.commonName, organization: this.organization },
                dnsNames: args.dnsNames ? [...args.dnsNames] : undefined,
                ipAddresses: args.ipAddresses ? [...args.ipAddresses] : undefined,
            },
            child,
        );
        const cert = new tls.LocallySignedCert(
            `${this.name}-${name}-cert`,
            {
                certRequestPem: csr.certRequestPem,
                caPrivateKeyPem: this.key.privateKeyPem,
                caCertPem: this.certPem,
                allowedUses: args.allowedUses ? [...args.allowedUses] : ["digital_signature", "key_encipherment", "server_auth"],
                validityPeriodHours: args.validityHours ?? 8760,
                earlyRenewalHours: 720,
            },
            child,
        );
        return { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem), validityEndTime: cert.validityEndTime, commonName: args.commonName };
    }
}
