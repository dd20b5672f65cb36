/**
 * The admin's key login across AD DS promotion (Windows DCs, #16): wraps the `ready` step of the first DC and the
 * `dc` step of every other one with the functions of scripts/dc/admin-login.ps1 (why: see that file). Kept apart
 * from windows.ts's step bodies on purpose: it only adds lines before or after a body, whoever renders it. Pure.
 */
import { DomainController, DomainModel } from "../../model/domain";
import { SECRET } from "./common";
import { StepSpec, stepScript } from "../guest-step/render";

/** Where Windows' OpenSSH reads the keys of every member of Administrators (the template writes it). */
export const ADMIN_KEYS_FILE = "C:/ProgramData/ssh/administrators_authorized_keys";

function library(domain: DomainModel, adminUser: string): string {
    const first = domain.dcs.find((d) => d.first) ?? domain.dcs[0];
    return stepScript("windows", "dc/admin-login.ps1", { BILLU_ADMIN_USER: adminUser, BILLU_KEYS_FILE: ADMIN_KEYS_FILE, BILLU_FIRST_DC: first.fqdn });
}

/**
 * The first DC's `ready` step, then: the domain account `adminUser` enabled and in Domain Admins. Every other DC
 * promotes after this step (DomainController's `after`), so the account is there when their local one vanishes.
 * Another DC's step is returned as it is.
 */
export function withDomainAdminLogin(spec: StepSpec, domain: DomainModel, dc: DomainController, adminUser: string): StepSpec {
    if (!dc.first) return spec;
    return {
        ...spec,
        script: [spec.script, library(domain, adminUser), "Set-BilluDomainAdminLogin -User $BILLU_ADMIN_USER -KeysFile $BILLU_KEYS_FILE"].join("\r\n"),
    };
}

/**
 * A joining DC's `dc` step, preceded by the refusal to promote while the domain account `adminUser` is not a
 * domain admin on the first DC (asked with the domain Administrator's credential, from the step's stdin). The
 * first DC's step is returned as it is.
 */
export function withAdminLoginCheck(spec: StepSpec, domain: DomainModel, dc: DomainController, adminUser: string): StepSpec {
    if (dc.first) return spec;
    const check = [
        library(domain, adminUser),
        `$billuAdminCred = New-Object System.Management.Automation.PSCredential('${domain.netbiosName}\\Administrator', (ConvertTo-SecureString (Get-BilluSecret '${SECRET.admin}') -AsPlainText -Force))`,
        "Assert-BilluAdminLoginBeforePromotion -User $BILLU_ADMIN_USER -KeysFile $BILLU_KEYS_FILE -Server $BILLU_FIRST_DC -Credential $billuAdminCred",
    ];
    return { ...spec, script: [...check, spec.script].join("\r\n"), secrets: [...new Set([...(spec.secrets ?? []), SECRET.admin])] };
}
