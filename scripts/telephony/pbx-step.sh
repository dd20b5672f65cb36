# shellcheck shell=sh
# scripts/telephony/pbx-step.sh: the body of the PBX's `pbx` guest step (billu:telephony, components/telephony). Read
# verbatim by components/telephony/render.ts and run by the step's run.sh after billu-lib.sh installed the step's
# files (so $BILLU_WORK and billu_* exist).
# Data (set before this body): INSTALLER_URL, INSTALLER_SHA256 (empty: install nothing), EXTENSIONS_CSV,
# RING_GROUPS_CSV, SETTINGS, APPLIER, DIALPLAN, ADMIN_SITE, PROVISIONING_SITE.
#
# 1. FreePBX 17 from its official Debian 12 installer, once: the pinned file is downloaded, its SHA-256 checked
#    against the model's, and run with --skipversion (the pinned script, not whatever GitHub has today) and
#    --opensourceonly (no commercial modules). A host where fwconsole already answers skips it.
# 2. The plan, only what changed: the extensions through the Bulk Handler (fwconsole bulkimport --replace) when the
#    CSV changed, and the extensions no longer planned removed; the ring groups and the RTP range through FreePBX's
#    own module API (apply.php) when their files changed; then one `fwconsole reload`.
# 3. Apache: the admin site (management zone only) and the provisioning site, reloaded when they changed.
# Idempotent: a second run with the same files downloads nothing, imports nothing and reloads nothing.

# shellcheck disable=SC1090
. "$SETTINGS"

if ! command -v fwconsole >/dev/null 2>&1; then
    [ -n "$INSTALLER_SHA256" ] || billu_die "billu:telephony.installer.sha256 is not set: FreePBX's installer is run only when its checksum is pinned (docs/services/telephony.md)"
    billu_apt_install curl ca-certificates
    installer="$BILLU_WORK/sng_freepbx_debian_install.sh"
    curl -fsS --proto '=https' --max-time 120 -o "$installer" "$INSTALLER_URL" || billu_die "could not download $INSTALLER_URL"
    got="$(sha256sum "$installer" | cut -d' ' -f1)"
    [ "$got" = "$INSTALLER_SHA256" ] || billu_die "$INSTALLER_URL has SHA-256 $got, not the pinned $INSTALLER_SHA256: nothing was installed"
    billu_log "running FreePBX's installer (SHA-256 $got verified); it logs to /var/log/pbx/freepbx17-install-*.log"
    bash "$installer" --skipversion --opensourceonly >"$BILLU_WORK/install.out" 2>&1 || {
        tail -n 40 "$BILLU_WORK/install.out" >&2
        billu_die "FreePBX's installer failed"
    }
    command -v fwconsole >/dev/null 2>&1 || billu_die "FreePBX's installer finished but fwconsole is missing"
    billu_log "FreePBX installed"
fi

RELOAD=""
if billu_changed "$EXTENSIONS_CSV" || [ ! -e /var/lib/billu/pbx/extensions.applied ]; then
    fwconsole bulkimport --type=extensions --replace "$EXTENSIONS_CSV" >"$BILLU_WORK/bulkimport.out" 2>&1 || {
        cat "$BILLU_WORK/bulkimport.out" >&2
        billu_die "fwconsole bulkimport refused $EXTENSIONS_CSV"
    }
    RELOAD=1
    billu_log "imported $EXTENSION_COUNT extensions (Bulk Handler)"
fi
if billu_changed "$EXTENSIONS_CSV" "$RING_GROUPS_CSV" "$SETTINGS" "$APPLIER" || [ ! -e /var/lib/billu/pbx/extensions.applied ]; then
    php "$APPLIER" "$EXTENSIONS_CSV" "$RING_GROUPS_CSV" "$RTP_START" "$RTP_END" || billu_die "apply.php failed: ring groups or RTP range not as planned"
    RELOAD=1
    billu_log "applied $RING_GROUP_COUNT ring groups, RTP udp/$RTP_START-$RTP_END, removed extensions no longer planned"
fi
if billu_changed "$DIALPLAN"; then
    chown asterisk:asterisk "$DIALPLAN"
    RELOAD=1
fi
if [ -n "$RELOAD" ]; then
    fwconsole reload >"$BILLU_WORK/reload.out" 2>&1 || {
        cat "$BILLU_WORK/reload.out" >&2
        billu_die "fwconsole reload failed"
    }
    install -d -m 0700 /var/lib/billu/pbx
    : >/var/lib/billu/pbx/extensions.applied
    billu_log "fwconsole reload done"
fi

if billu_changed "$ADMIN_SITE" "$PROVISIONING_SITE" "/etc/billu/pbx/cert.pem" "/etc/billu/pbx/key.pem"; then
    a2enmod -q ssl >/dev/null
    a2ensite -q billu-pbx-admin billu-pbx-provisioning >/dev/null
    apache2ctl -t 2>"$BILLU_WORK/apache.out" || {
        cat "$BILLU_WORK/apache.out" >&2
        billu_die "apache2ctl -t refuses the configuration: Apache was not reloaded"
    }
    systemctl reload apache2
    billu_log "reloaded Apache (admin and provisioning sites)"
fi
