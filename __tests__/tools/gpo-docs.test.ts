/** docs/services/gpo.md: the GPO page, generated from every committed stack's model (tools/docs/gpo.ts). */
import { GPO_COMMAND, GPO_FILE, renderGpoPage } from "../../tools/docs/gpo";
import { committedModels } from "../../tools/docs/rpo";
import { expectFreshPage, ROOT } from "../helpers";

test("the committed page is what the committed stacks render", () => {
    expectFreshPage(GPO_FILE, renderGpoPage(committedModels(ROOT)), GPO_COMMAND, "model");
});

test("every GPO of the dev stack has its row with its links and settings", () => {
    const page = renderGpoPage(committedModels(ROOT).filter((s) => s.name === "dev"));
    expect(page).toContain(
        "| BillU - Panneau de configuration et invite de commandes | security | BillU/Utilisateurs (3) | GG_Communication-et-Relations-publiques, GG_Developpement-logiciel, GG_Direction, GG_Finance-et-Comptabilite, GG_QHSE, GG_Ressources-humaines, GG_Service-commercial, GG_Service-juridique | disableCmd, noControlPanel |",
    );
    expect(page).toContain(
        "| domain | 1. BillU - Mots de passe et verrouillage (enforced); 2. BillU - Durcissement SMB et NTLM (enforced); 3. BillU - Agent GLPI |",
    );
    // The GLPI agent's startup script has its row (psscripts.ini), with the SYSVOL path the model gives it.
    expect(page).toContain(
        "| psscripts.ini | [Startup] | \\\\billu.remindme.lan\\SYSVOL\\billu.remindme.lan\\billu\\glpi-agent\\Install-GlpiAgent.ps1 |  | (no parameters) |",
    );
});
