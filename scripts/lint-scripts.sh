#!/usr/bin/env bash
# npm run lint:scripts: lints the shell and Python the project ships and runs (labs/, scripts/): shellcheck on every
# *.sh (configuration in .shellcheckrc), pyflakes on every *.py. Both are Debian packages (shellcheck, pyflakes3),
# installed by scripts/install-lab-packages.sh with the labs' packages; .ci/run runs this after it. A missing linter
# FAILS (exit 2, naming the package), it never skips. A finding fails (exit 1); disable one only at its line, with
# the reason (`# shellcheck disable=SCxxxx # why`); pyflakes has no per-line switch: fix the code.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=("shellcheck (Debian package shellcheck)")
command -v pyflakes3 >/dev/null 2>&1 || missing+=("pyflakes3 (Debian package pyflakes3)")
if [ "${#missing[@]}" -gt 0 ]; then
    printf 'lint:scripts: missing %s. Fix: sudo bash scripts/install-lab-packages.sh (or apt-get install shellcheck pyflakes3)\n' "${missing[*]}" >&2
    exit 2
fi
mapfile -t sh_files < <(find labs scripts -name '*.sh' -type f | sort)
mapfile -t py_files < <(find labs scripts -name '*.py' -type f | sort)
# Step bodies (scripts/<area>/*.sh read verbatim into a generated POSIX run.sh, components/guest-step/render.ts
# stepScript) carry neither a shebang nor a shell directive: they are checked as sh. Every other file says its shell.
own=()
bodies=()
for f in "${sh_files[@]}"; do
    if head -n 1 "$f" | grep -q '^#!' || grep -q '^# shellcheck shell=' "$f"; then own+=("$f"); else bodies+=("$f"); fi
done
rc=0
shellcheck "${own[@]}" || rc=1
if [ "${#bodies[@]}" -gt 0 ]; then shellcheck -s sh "${bodies[@]}" || rc=1; fi
pyflakes3 "${py_files[@]}" || rc=1
if [ "$rc" -eq 0 ]; then
    echo "lint:scripts: shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ${#sh_files[@]} shell files clean; pyflakes $(pyflakes3 --version | cut -d' ' -f1): ${#py_files[@]} Python files clean"
fi
exit "$rc"
