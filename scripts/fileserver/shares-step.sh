# Step `shares` of the Linux file server: the share folders and their POSIX ACLs (billu-shares from shares.conf).
# It runs after the `samba` step (winbind and smbd), the directory step (the departments' groups, the home share's
# accounts) and the trust step (the grants' groups), so every group it names exists on a first `pulumi up`.
# Group names resolve once winbind has reached a DC (bounded wait).
i=0; until wbinfo -P >/dev/null 2>&1; do i=$((i + 1)); [ $i -lt 60 ] || billu_die 'winbind cannot reach a domain controller'; sleep 1; done
/usr/local/sbin/billu-shares
