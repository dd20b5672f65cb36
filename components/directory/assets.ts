/**
 * The directory's side of GLPI (billu:assets): step `assets-directory` on the first DC keeps GLPI's read-only LDAP
 * service account (created with the generated password, which it follows; checked by a bind), whose `mail` is the
 * helpdesk address, so the mail server delivers the helpdesk's mail to it and GLPI's mail collector logs in as it. The
 * logic is in scripts/directory/assets-directory.sh (samba) and .ps1 (windows). No Pulumi here.
 */
import type { AssetsPlan } from "../../model/assets";
import type { DomainModel } from "../../model/domain";
import { ASSETS_LDAP_SECRET } from "../contracts";
import { StepSpec, stepScript } from "../guest-step/render";

/** Step `assets-directory` on the first DC, for the domain's flavor. */
export function assetsDirectoryStep(plan: AssetsPlan, domain: DomainModel): StepSpec {
    const data = {
        DOMAIN_DN: domain.dn,
        DC_FQDN: domain.dcs[0].fqdn,
        GLPI_HOST: plan.host.name,
        SERVICE_ACCOUNT: plan.ldap.serviceAccount,
        BIND_DN: plan.ldap.bindDn,
        HELPDESK_MAIL: plan.helpdesk.address,
    };
    return {
        files: [],
        script:
            domain.flavor === "samba"
                ? stepScript("linux", "directory/assets-directory.sh", data)
                : stepScript("windows", "directory/assets-directory.ps1", data),
        secrets: [ASSETS_LDAP_SECRET],
    };
}
