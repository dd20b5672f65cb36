#!/usr/bin/env bash
# npm run lint:scripts: lints the shell and Python the project ships and runs (labs/, scripts/) and what synth renders
# for the guests of every committed stack (out/<stack>/rendered, written by `npm run synth:all` or `npm test`):
#   - shellcheck on every *.sh under labs/ and scripts/ (configuration in .shellcheckrc), pyflakes on every *.py;
#   - shellcheck on every rendered guest step script (each step's run.sh and every rendered file whose first line
#     is a sh or bash shebang, such as /usr/local/sbin/billu-shares), in the shell its shebang names; pyflakes on
#     every rendered Python file; PowerShell's own parser (pwsh, from npm run setup) on every rendered .ps1.
# The linters are Debian packages (shellcheck, pyflakes3), installed by scripts/install-lab-packages.sh with the
# labs' packages, and pwsh; .ci/run runs this after them and after synth. A missing linter or a committed stack
# without its out/<stack>/rendered FAILS (exit 2, naming the fix), it never skips. A finding fails (exit 1, naming
# the file and line); disable one only at its line, with the reason (`# shellcheck disable=SCxxxx # why`); pyflakes
# has no per-line switch: fix the code. A rendered finding is fixed in the renderer or the scripts/ body it came from.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=("shellcheck (Debian package shellcheck)")
command -v pyflakes3 >/dev/null 2>&1 || missing+=("pyflakes3 (Debian package pyflakes3)")
[ -x /usr/sbin/visudo ] || missing+=("visudo (Debian package sudo)")
# pwsh where npm run setup recorded it (PATH may not hold ~/.dotnet/tools), else on PATH.
pwsh=$(sed -n 's/^ *"pwsh": *"\([^"]*\)".*/\1/p' .tools/powershell.json 2>/dev/null)
[ -n "$pwsh" ] && [ -x "$pwsh" ] || pwsh=$(command -v pwsh 2>/dev/null)
[ -n "$pwsh" ] || missing+=("pwsh (PowerShell: npm run setup)")
if [ "${#missing[@]}" -gt 0 ]; then
    printf 'lint:scripts: missing %s. Fix: sudo bash scripts/install-lab-packages.sh (or apt-get install shellcheck pyflakes3) and npm run setup\n' "${missing[*]}" >&2
    exit 2
fi
mapfile -t stacks < <(find . -maxdepth 1 -name 'Pulumi.*.yaml' | sed 's|^\./Pulumi\.\(.*\)\.yaml$|\1|' | sort)
for s in "${stacks[@]}"; do
    if [ ! -d "out/$s/rendered" ]; then
        echo "lint:scripts: out/$s/rendered is missing (the committed stack $s, Pulumi.$s.yaml, was not synthesized). Fix: npm run synth:all, then npm run lint:scripts" >&2
        exit 2
    fi
done
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

# What synth rendered for the guests, every committed stack. Files with the same bytes (billu-lib.sh in every step,
# one host's base step in two stacks) are linted once, under the first path; the count says how many were rendered.
declare -A seen=()
r_run=() r_sh=() r_py=() r_ps=() r_sudo=()
n_rendered=0
while IFS= read -r -d '' f; do
    # A sudoers drop-in (the AD join's, the Zabbix agent's): sudo's own parser, as the step checks it before installing.
    case "$f" in */etc/sudoers.d/*) r_sudo+=("$f") ;; esac
    first=$(head -n 1 "$f" | tr -d '\r')
    case "$f:$first" in
        *.ps1:*) kind="ps" ;;
        */stage/*/run.sh:*) kind="run" ;;
        *:'#!/bin/sh'* | *:'#!/bin/bash'* | *:'#!/usr/bin/env sh'* | *:'#!/usr/bin/env bash'*) kind="sh" ;;
        *.py:* | *:'#!/usr/bin/python3'* | *:'#!/usr/bin/env python3'*) kind="py" ;;
        *) continue ;;
    esac
    n_rendered=$((n_rendered + 1))
    sum=$(sha256sum "$f" | cut -d' ' -f1)
    [ -z "${seen[$kind$sum]:-}" ] || continue
    seen[$kind$sum]=$f
    case $kind in
        run) r_run+=("$f") ;;
        sh) r_sh+=("$f") ;;
        py) r_py+=("$f") ;;
        ps) r_ps+=("$f") ;;
    esac
done < <(for s in "${stacks[@]}"; do find "out/$s/rendered" -type f -print0; done | sort -z)
# A step's run.sh passes its data, folders, files and install checks to billu-lib.sh as single-quoted words
# (render.ts shQuote): a check such as 'd=$(mktemp -d); ...' runs later, inside billu_install, so SC2016 (expression
# in single quotes) is by design on those generated lines; the step bodies in it are checked with SC2016 on above.
if [ "${#r_run[@]}" -gt 0 ]; then shellcheck -e SC2016 "${r_run[@]}" || rc=1; fi
if [ "${#r_sh[@]}" -gt 0 ]; then shellcheck "${r_sh[@]}" || rc=1; fi
if [ "${#r_py[@]}" -gt 0 ]; then pyflakes3 "${r_py[@]}" || rc=1; fi
for f in "${r_sudo[@]}"; do
    /usr/sbin/visudo -cqf "$f" || { echo "lint:scripts: $f: visudo refuses it" >&2; rc=1; }
done
if [ "${#r_ps[@]}" -gt 0 ]; then
    # PowerShell's own parser, one process for all: each error as <file>:<line>:<column>: <message>, exit 1 on any.
    # shellcheck disable=SC2016 # PowerShell code, expanded by pwsh
    BILLU_PS_FILES=$(printf '%s\n' "${r_ps[@]}") "$pwsh" -NoProfile -NonInteractive -Command '
        $bad = 0
        foreach ($f in ($env:BILLU_PS_FILES -split "`n")) {
            if ($f -eq "") { continue }
            $tokens = $null; $errors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseFile((Resolve-Path $f).Path, [ref]$tokens, [ref]$errors)
            foreach ($e in $errors) { $bad++; [Console]::Out.WriteLine("${f}:$($e.Extent.StartLineNumber):$($e.Extent.StartColumnNumber): $($e.ErrorId): $($e.Message)") }
        }
        if ($bad -gt 0) { exit 1 }' || rc=1
fi
if [ "$rc" -eq 0 ]; then
    echo "lint:scripts: shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ${#sh_files[@]} shell files clean; pyflakes $(pyflakes3 --version | cut -d' ' -f1): ${#py_files[@]} Python files clean"
    echo "lint:scripts: rendered for ${stacks[*]}: $n_rendered guest scripts, $((${#r_run[@]} + ${#r_sh[@]} + ${#r_py[@]} + ${#r_ps[@]})) distinct: ${#r_run[@]} step run.sh and ${#r_sh[@]} other shell scripts (shellcheck), ${#r_py[@]} Python (pyflakes), ${#r_ps[@]} PowerShell (parsed by $("$pwsh" --version)) clean; ${#r_sudo[@]} sudoers drop-ins accepted by visudo"
fi
exit "$rc"
