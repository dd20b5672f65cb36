# shellcheck shell=sh
# scripts/mx/relay-step.sh: the body of the inbound relay's `mx-relay` step (billu:mx, components/mx). Read verbatim
# by components/mx/render.ts and run by the step's run.sh after billu-lib.sh installed the step's files.
#
# Installs Postfix without letting the package write a configuration (a first run: the files were installed before
# it, their checks skipped), checks the whole configuration, then restarts Postfix only when a file of this step
# changed (the texthash tables are read at process start). Idempotent: a second run installs and restarts nothing.

if ! command -v postfix >/dev/null 2>&1; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    billu_apt_install --no-install-recommends postfix
    billu_log "installed postfix"
fi

if ! postfix check >"$BILLU_WORK/postfix-check.out" 2>&1 || [ -s "$BILLU_WORK/postfix-check.out" ]; then
    sed 's/^/  /' "$BILLU_WORK/postfix-check.out" >&2
    billu_die "postfix check refuses the relay's configuration: Postfix was not restarted"
fi

billu_service postfix "its configuration, tables or certificates changed"
# Ready when smtp answers (bounded).
n=0
until ss -Hltn "sport = :25" | grep -q .; do n=$((n + 1)); [ "$n" -le 300 ] || billu_die "nothing listens on port 25 after 60 s"; sleep 0.2; done
