/**
 * Step `site-ca` on the first DC, after the domain step: the site CA's certificate published in AD's configuration
 * partition, `CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,<domain DN>` (class
 * certificationAuthority, named after the CA's common name, cACertificate = its DER). Windows domain members copy that
 * container into their Trusted Root store at Group Policy refresh, so they trust what the site CA issued (WSUS on 8531,
 * IMAPS, LDAPS). Samba: scripts/dc/samba-site-ca.sh (ldbadd / ldbmodify on sam.ldb); Windows: scripts/dc/windows-site-ca.ps1
 * (`certutil -dspublish -f <file> RootCA`). Both compare what is published first: a second run changes nothing, a new
 * CA replaces the certificate. Pure: no Pulumi here.
 */
import { DomainModel } from "../../model/domain";
import { placeholder, StepSpec, stepScript } from "../guest-step/render";
import { SECRET } from "./common";

/** Where the Samba flavor's step finds the CA certificate (PEM). */
export const SITE_CA_PEM = "/etc/billu/domain/site-ca.pem";

/** The container Windows members read their enterprise root CAs from, in a domain's configuration partition. */
export function certificationAuthoritiesDn(domain: DomainModel): string {
    return `CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,${domain.dn}`;
}

/** Step `site-ca` of a Samba domain's first DC: the CA's PEM as a file, the script reads it. */
export function sambaSiteCaStep(domain: DomainModel): StepSpec {
    return {
        files: [{ path: SITE_CA_PEM, content: placeholder(SECRET.caCert) }],
        script: stepScript("linux", ["dc/samba-helpers.sh", "dc/samba-site-ca.sh"], { DOMAIN_DN: domain.dn }),
        secrets: [SECRET.caCert],
    };
}

/** Step `site-ca` of a Windows domain's first DC: the CA's PEM from stdin, published by certutil when it differs. */
export function windowsSiteCaStep(domain: DomainModel): StepSpec {
    return {
        files: [],
        script: stepScript("windows", "dc/windows-site-ca.ps1", { CA_CONTAINER: certificationAuthoritiesDn(domain) }),
        secrets: [SECRET.caCert],
    };
}
