# shellcheck shell=sh
# scripts/dc/samba-sysvol-source.sh: step `sysvol-source` on the Samba PDC emulator (billu:domain.sysvolSyncMinutes,
# components/domain-controller/sysvol.ts). Runs after billu-lib.sh installed the files (rsyncd.conf, its secrets
# file, the unit). Data: UNIT (the daemon's unit name), FILES (the installed files, space-separated), SYSVOL (the
# folder), DOMAIN_FQDN, DOMAIN_DN.
# rsync is installed when missing; systemd is reloaded when the unit changed; the daemon is enabled, restarted when
# a file changed and started when it is not running. Idempotent and quiet: a re-run with nothing to do prints nothing.
command -v rsync >/dev/null 2>&1 || billu_apt_install rsync
# The source must hold every GPO's folder: the other DCs mirror it (rsync --delete), and sysvolreset (here in the gpo
# step, there after each pull) stops at the first GPO of the directory whose folder is missing. A DC that joined has
# no SYSVOL of its own (`samba-tool domain join` copies none), so a PDC emulator that joined lacks the folders of the
# GPOs provision made (Default Domain Policy, Default Domain Controllers Policy). Each GPO of the directory without a
# folder gets the one provision writes (samba.provision's create_gpo_struct: GPT.INI at version 0, MACHINE, USER),
# then sysvolreset gives them their ACLs. Data: SYSVOL, DOMAIN_FQDN, DOMAIN_DN.
billu_dir "$SYSVOL/$DOMAIN_FQDN/Policies"
billu_dir "$SYSVOL/$DOMAIN_FQDN/scripts"
sv_made=""
for sv_cn in $(ldbsearch -H /var/lib/samba/private/sam.ldb -b "CN=Policies,CN=System,$DOMAIN_DN" -s one '(objectClass=groupPolicyContainer)' cn |
    sed -n 's/^cn: //p'); do
    sv_dir="$SYSVOL/$DOMAIN_FQDN/Policies/$sv_cn"
    [ ! -d "$sv_dir" ] || continue
    (umask 022 && mkdir -p "$sv_dir/MACHINE" "$sv_dir/USER" && printf '[General]\r\nVersion=0' >"$sv_dir/GPT.INI") ||
        billu_die "sysvol: cannot create the folder of GPO $sv_cn"
    billu_log "sysvol: created the missing folder of GPO $sv_cn in SYSVOL (GPT.INI at version 0, as provision writes it)"
    sv_made=1
done
if [ -n "$sv_made" ]; then
    samba-tool ntacl sysvolreset || billu_die "sysvol: samba-tool ntacl sysvolreset failed"
fi
if billu_changed /etc/systemd/system/"$UNIT".service; then systemctl daemon-reload; fi
# shellcheck disable=SC2086 # FILES is a list of paths: one argument each
billu_service "$UNIT".service "SYSVOL served read-only to the other DCs: its unit or configuration changed" $FILES
