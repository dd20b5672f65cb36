#!/usr/bin/env bash
# Runs the network-namespace labs (root): all of them, or the ones named. Each lab is labs/<name>/lab.sh; it
# prints its probes and exits 0 (passed), 77 (skipped: prerequisites missing, never in CI) or anything else
# (failed). Needs `npm run build` first (labs synthesize with dist/tools/synth.js).
set -uo pipefail
cd "$(dirname "$0")/.."
labs=("$@")
if [ "${#labs[@]}" -eq 0 ]; then
    for d in labs/*/lab.sh; do [ -e "$d" ] && labs+=("$(basename "$(dirname "$d")")"); done
fi
passed=0; failed=0; skipped=0
for lab in "${labs[@]}"; do
    echo "== lab $lab"
    start=$(date +%s)
    bash "labs/$lab/lab.sh"
    rc=$?
    echo "== lab $lab: exit $rc after $(( $(date +%s) - start )) s"
    case $rc in
        0) passed=$((passed + 1)) ;;
        77) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
    esac
done
echo "labs: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && { [ "${CI:-}" != "true" ] || [ "$skipped" -eq 0 ]; }
