#!/bin/sh
# billu-sysvol-sync <rsync URL> <SYSVOL folder> <password file> <source DC>: pulls SYSVOL from the PDC emulator's
# rsync daemon into this Samba DC's SYSVOL, then resets its ACLs from this DC's own directory (samba-tool ntacl
# sysvolreset). Shipped by the `sysvol-pull` step (components/domain-controller/sysvol.ts), run by
# billu-sysvol-sync.service on its timer; the same by hand.
# Content, links and times only (-rlt), with --delete: a GPO deleted on the PDC emulator disappears here. No -X/-A/-o/-g:
# ACLs and owners carry ids from the PDC's idmap.ldb, which differ here; sysvolreset writes this DC's own.
# Prints one line per changed path (`sysvol: updated <path>`, `sysvol: deleted <path>`) and a summary line, which the
# unit sends to the journal. Exit 0 pulled and reset; 2 the pull failed (nothing reset); 3 sysvolreset failed.
set -u
[ $# -eq 4 ] || { echo "usage: billu-sysvol-sync <rsync URL> <SYSVOL folder> <password file> <source DC>" >&2; exit 2; }
src=$1 dst=$2 pwf=$3 name=$4
out=$(mktemp) || exit 2
trap 'rm -f "$out"' EXIT
if ! rsync -rlt --delete --itemize-changes --contimeout=10 --timeout=120 --password-file="$pwf" "$src/" "$dst/" >"$out" 2>&1; then
    # rsync's own reason (the daemon's @ERROR line: auth failed, access denied), else its last line.
    why=$(grep -m 1 '^@ERROR' "$out" || grep -v '^$' "$out" | tail -n 1)
    echo "sysvol: pulling from $name failed: $why"
    exit 2
fi
updated=0 deleted=0
while IFS= read -r line; do
    case "$line" in
        '*deleting'*)
            p=${line#"*deleting"}; p=${p#"${p%%[! ]*}"}
            deleted=$((deleted + 1)); echo "sysvol: deleted $p" ;;
        [\>c][fdLDS]*)
            updated=$((updated + 1)); echo "sysvol: updated ${line#* }" ;;
    esac
done <"$out"
if ! samba-tool ntacl sysvolreset >"$out" 2>&1; then
    # samba-tool's own ERROR line (it precedes the traceback), else its last line.
    why=$(grep -m 1 '^ERROR' "$out" || grep -v '^$' "$out" | tail -n 1)
    echo "sysvol: pulled from $name ($updated updated, $deleted deleted), but samba-tool ntacl sysvolreset failed: $why"
    exit 3
fi
echo "sysvol: pulled from $name: $updated updated, $deleted deleted; ACLs reset from this DC's directory"
