#!/usr/bin/env bash
# Runs the network-namespace labs (root): all of them, or the ones named. Each lab is labs/<name>/lab.sh; it
# prints its probes and its tally and exits 0 (passed), 1 (a probe failed), 77 (skipped: prerequisites missing,
# never in CI) or 3 (died in set-up). Needs `npm run build` first (labs synthesize with dist/tools/synth.js).
#
#   scripts/run-labs.sh [lab...]                 the labs, normally: each must exit 0
#   scripts/run-labs.sh firewall --stack prod    options after the names go to the lab (only the firewall lab
#                                                takes one: --stack <name>, repeatable; default every committed stack)
#   scripts/run-labs.sh --sabotage [lab...]      each lab with its sabotage switch (BILLU_LAB_SABOTAGE=1), stopping
#                                                at its first failed probe (LAB_STOP_AT_FIRST_FAIL=1): each must
#                                                exit 1. A lab that passes (0) or dies in set-up (3, or anything
#                                                else) fails the run: its probes did not catch the corruption.
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
done
if [ "${#opts[@]}" -gt 0 ] && [ "${labs[*]}" != firewall ]; then
    echo "run-labs: options (${opts[*]}) are for the firewall lab only: name it alone, as in npm run lab -- firewall --stack prod" >&2
    exit 2
fi
tag=""; [ "$mode" = normal ] || tag=" (sabotage)"
passed=0; failed=0; skipped=0
for lab in "${labs[@]}"; do
    echo "== lab $lab$tag"
    start=$(date +%s)
    if [ "$mode" = sabotage ]; then
        BILLU_LAB_SABOTAGE=1 LAB_STOP_AT_FIRST_FAIL=1 bash "labs/$lab/lab.sh" "${opts[@]}"
    else
        bash "labs/$lab/lab.sh" "${opts[@]}"
    fi
    rc=$?
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
    echo "== lab $lab$tag: exit $rc after $(( $(date +%s) - start )) s: $verdict$why"
    case $verdict in
        passed) passed=$((passed + 1)) ;;
        skipped) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
    esac
done
echo "labs$tag: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && { [ "${CI:-}" != "true" ] || [ "$skipped" -eq 0 ]; }
