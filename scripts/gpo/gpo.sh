# Group Policy on the Samba DC: the plan's GPOs created by display name, their SYSVOL files and versions, security
# filtering and links, applied on the local sam.ldb; a re-run with the same plan changes nothing.
# Debian's own python3 carries the samba bindings (python3-samba, a dependency of samba-ad-dc).
/usr/bin/python3 /usr/local/lib/billu/gpo/apply.py --manifest /var/lib/billu/gpo/gpos.json
