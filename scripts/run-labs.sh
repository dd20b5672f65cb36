#!/usr/bin/env bash
# Runs the network-namespace labs (root): all of them, or the ones named. Each lab is labs/<name>/lab.sh; it
# prints its probes and its tally and exits 0 (passed), 1 (a probe failed), 77 (skipped: prerequisites missing,
# never in CI) or 3 (died in set-up). Needs `npm run build` first (labs synthesize with dist/tools/synth.js).
#
#   scripts/run-labs.sh [lab...]                 the labs, normally: each must exit 0
#   scripts/run-labs.sh firewall --stack prod    options after the names go to the lab (only the firewall lab
#                                                takes one: --stack <name>, repeatable; default every committed stack)
#   scripts/run-labs.sh --sabotage [lab...]      each lab once per sabotage switch it declares in
#                                                labs/<name>/sabotage.txt (NAME=value per line, every lab has
#                                                BILLU_LAB_SABOTAGE=1; __tests__/tools/lab-sabotage.test.ts keeps the
#                                                list equal to what the lab reads), stopping at its first failed probe
#                                                (LAB_STOP_AT_FIRST_FAIL=1): each run must exit 1, and each is
#                                                reported on its own. A run that passes (0) or dies in set-up (3, or
#                                                anything else) fails: its probes did not catch the corruption.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
mode=normal
labs=()
opts=()
while [ $# -gt 0 ]; do
    case "$1" in
        --sabotage) mode=sabotage ;;
        -*) opts+=("$@"); break ;;
        *) labs+=("$1") ;;
    esac
    shift
done
if [ "${#labs[@]}" -eq 0 ]; then
    for d in labs/*/lab.sh; do [ -e "$d" ] && labs+=("$(basename "$(dirname "$d")")"); done
fi
for lab in "${labs[@]}"; do
    [ -e "labs/$lab/lab.sh" ] || { echo "run-labs: no lab named \"$lab\" (labs/$lab/lab.sh): name one of $(for d in labs/*/lab.sh; do basename "$(dirname "$d")"; done | tr '\n' ' ')" >&2; exit 2; }
    [ "$mode" = normal ] || [ -e "labs/$lab/sabotage.txt" ] || { echo "run-labs: labs/$lab/sabotage.txt is missing: declare the lab's sabotage switches there (NAME=value and what it corrupts, one a line; at least BILLU_LAB_SABOTAGE=1)" >&2; exit 2; }
done
if [ "${#opts[@]}" -gt 0 ] && [ "${labs[*]}" != firewall ]; then
    echo "run-labs: options (${opts[*]}) are for the firewall lab only: name it alone, as in npm run lab -- firewall --stack prod" >&2
    exit 2
fi
tag=""; [ "$mode" = normal ] || tag=" (sabotage)"
passed=0; failed=0; skipped=0
# Each run's output is also kept, so the failed runs' verdicts and last lines are repeated at the end: a CI log
# that shows only its tail still says which lab failed and why.
logs=$(mktemp -d "${TMPDIR:-/tmp}/billu-run-labs.XXXXXX") || exit 3
trap 'rm -rf "$logs"' EXIT
failures=()
# Each run's wall time ("<seconds> <label>"), printed slowest first at the end: CI's lab budget is spent where it says.
durations=()
# One run: the lab, its label, and in sabotage mode the switch (NAME=value) set for this run alone.
run_one() { # <lab> <switch|->
    local lab="$1" switch="$2" label="$1$tag" start rc verdict why
    [ "$switch" = - ] || label="$lab (sabotage $switch)"
    echo "== lab $label"
    start=$(date +%s)
    local log="$logs/$(( passed + failed + skipped )).log"
    if [ "$switch" = - ]; then
        bash "labs/$lab/lab.sh" "${opts[@]}" 2>&1 | tee "$log"
    else
        # Only this switch: a BILLU_LAB_SABOTAGE or other *_SABOTAGE exported by the caller is cleared.
        local unset=()
        mapfile -t unset < <(env | sed -n 's/^\([A-Z0-9_]*_SABOTAGE\)=.*/-u\n\1/p')
        env "${unset[@]}" "$switch" LAB_STOP_AT_FIRST_FAIL=1 bash "labs/$lab/lab.sh" "${opts[@]}" 2>&1 | tee "$log"
    fi
    rc=${PIPESTATUS[0]}
    verdict=failed
    case "$mode:$rc" in
        normal:0 | sabotage:1) verdict=passed ;;
        *:77) verdict=skipped ;;
    esac
    case "$mode:$rc" in
        sabotage:0) why=" (the lab passed under sabotage: its probes do not catch the corruption)" ;;
        sabotage:1 | *:0 | *:77) why="" ;;
        sabotage:*) why=" (the lab died in set-up, not at a probe)" ;;
        *) why="" ;;
    esac
    local line="== lab $label: exit $rc after $(( $(date +%s) - start )) s: $verdict$why"
    echo "$line"
    durations+=("$(( $(date +%s) - start )) $label")
    case $verdict in
        passed) passed=$((passed + 1)) ;;
        skipped) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)); failures+=("$line" "$log") ;;
    esac
}
for lab in "${labs[@]}"; do
    if [ "$mode" = normal ]; then run_one "$lab" -; continue; fi
    mapfile -t switches < <(sed -n 's/^\([A-Z][A-Z0-9_]*_SABOTAGE=[^[:space:]]*\).*/\1/p' "labs/$lab/sabotage.txt")
    if [ "${#switches[@]}" -eq 0 ]; then
        echo "== lab $lab (sabotage): labs/$lab/sabotage.txt declares no switch (NAME_SABOTAGE=value lines): failed"
        failed=$((failed + 1))
        continue
    fi
    for sw in "${switches[@]}"; do run_one "$lab" "$sw"; done
done
i=0
while [ "$i" -lt "${#failures[@]}" ]; do
    echo "${failures[$i]}; its last 40 lines:"
    tail -n 40 "${failures[$((i + 1))]}" | sed 's/^/    | /'
    i=$((i + 2))
done
if [ "${#durations[@]}" -gt 0 ]; then
    echo "labs$tag: wall time per run, slowest first (total $(printf '%s\n' "${durations[@]}" | awk '{ s += $1 } END { print s }') s):"
    printf '%s\n' "${durations[@]}" | sort -rn | awk '{ n = $1; $1 = ""; printf "    %5d s %s\n", n, substr($0, 2) }'
fi
echo "labs$tag: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && { [ "${CI:-}" != "true" ] || [ "$skipped" -eq 0 ]; }
