/** docs/rpo.md: the RPO per class of data, generated from every committed stack's model (tools/docs/rpo.ts). */
import { committedModels, renderRpoPage, rpoHours, rpoRows, RPO_COMMAND, RPO_FILE } from "../../tools/docs/rpo";
import { expectFreshPage, model, ROOT, stackRaw } from "../helpers";

test("the committed page is what the committed stacks render", () => {
    expectFreshPage(RPO_FILE, renderRpoPage(committedModels(ROOT)), RPO_COMMAND, "model");
});

test("a schedule's RPO: the longest time between two runs", () => {
    expect(["01:00", "*-*-* 01:10", "Mon..Fri 22:00:00", "mon,thu 02:00", "sat 03:00", "sun..tue 01:00", "*-*-01 01:00", "0/6:00"].map(rpoHours)).toEqual([
        24,
        24,
        72,
        96,
        168,
        120,
        undefined,
        undefined,
    ]);
});

test("dev (its backup server PAR-BKP01): each class of data with its in-guest timer, its image job and the better of the two", () => {
    const rows = rpoRows(model(stackRaw("dev")));
    expect(rows.filter((r) => r[1] === "PAR-DC01" || r[1] === "PAR-FS01" || r[1] === "PAR-MAIL01")).toEqual([
        ["AD (the directory)", "PAR-DC01", "restic at `*-*-* 23:00`", "`billu-par-vms` at `01:00`", "24 h"],
        ["shares", "PAR-FS01", "restic at `*-*-* 23:07`", "`billu-par-vms` at `01:00`", "24 h"],
        ["mailboxes", "PAR-MAIL01", "restic at `*-*-* 23:14`", "`billu-par-vms` at `01:00`", "24 h"],
        // The webmail's SQLite database (Roundcube), in the mail host's repository.
        ["databases", "PAR-MAIL01", "restic at `*-*-* 23:14`", "`billu-par-vms` at `01:00`", "24 h"],
    ]);
    expect(rows.find((r) => r[0] === "databases" && r[1] === "PAR-GLPI01")).toEqual([
        "databases",
        "PAR-GLPI01",
        "restic at `*-*-* 23:49`",
        "`billu-par-vms` at `01:00`",
        "24 h",
    ]);
    expect(rows.find((r) => r[0] === "databases" && r[1] === "PAR-MON01")).toEqual([
        "databases",
        "PAR-MON01",
        "restic at `*-*-* 23:28`",
        "`billu-par-vms` at `01:00`",
        "24 h",
    ]);
});
