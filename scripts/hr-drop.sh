#!/usr/bin/env bash
# The HR drop folder (issue #27), run on the management host by billu-hr-drop.service when the folder changes
# (units rendered by `npm run directory:hr-report -- --stack <name> --units <dir>`; docs/services/directory.md).
#   hr-drop.sh <drop folder> <stack>       (working folder: the built repository, dist/tools/hr-report.js)
# For each *.csv in the folder: runs the report (dist/tools/hr-report.js), which writes <name>.report.md and
# <name>.report.json beside it and applies nothing. A valid export (report exit 0 or 1) is moved to processed/ (never
# over an earlier one of the same name: that one is kept and the new one named <name>.<UTC time>.csv); an
# export that fails validation (exit 2) or the tool (3) gets <name>.errors.txt with the tool's messages and stays,
# and is not retried until it changes (its .errors.txt is newer than it). File names are only ever passed as quoted
# arguments (never through a shell string or eval), so a name with spaces or $() is data.
# Exit 0 when every export was reported, 1 when one got an .errors.txt, 2 bad usage.
set -euo pipefail
if [ "$#" -ne 2 ] || [ ! -d "$1" ]; then
    echo "usage: hr-drop.sh <drop folder> <stack> (the drop folder must exist)" >&2
    exit 2
fi
drop=$1
stack=$2
tool=${BILLU_HR_REPORT:-dist/tools/hr-report.js}
if [ ! -f "$tool" ]; then
    echo "hr-drop: $tool is missing: run it from the built repository (npm run build)" >&2
    exit 2
fi
shopt -s nullglob
status=0
for csv in "$drop"/*.csv; do
    [ -f "$csv" ] || continue
    base=${csv%.csv}
    errors="$base.errors.txt"
    # A rejected export is reported once; it is checked again when it is replaced (newer than its errors).
    if [ -e "$errors" ] && [ "$errors" -nt "$csv" ]; then
        status=1
        continue
    fi
    rc=0
    out=$(node "$tool" --stack "$stack" --export "$csv" --out "$drop" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then
        mkdir -p -- "$drop/processed"
        rm -f -- "$errors"
        # An earlier export of the same name stays as it was: this one gets the time it was processed (UTC) in its
        # name, and a counter if that name is taken too (two drops of one name in the same second).
        name=${csv##*/}
        dest="$drop/processed/$name"
        if [ -e "$dest" ]; then
            stamp=$(date -u +%Y%m%dT%H%M%SZ)
            dest="$drop/processed/${name%.csv}.$stamp.csv"
            n=1
            while [ -e "$dest" ]; do
                n=$((n + 1))
                dest="$drop/processed/${name%.csv}.$stamp-$n.csv"
            done
        fi
        mv -- "$csv" "$dest"
        printf 'hr-drop: %s\n' "$out"
    else
        printf '%s\n' "$out" >"$errors"
        printf 'hr-drop: %s rejected (exit %s), see %s\n' "$csv" "$rc" "$errors" >&2
        status=1
    fi
done
exit "$status"
