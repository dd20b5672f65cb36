# The directory plan, applied to the local sam.ldb in one transaction holding only the differences: the
# same plan twice writes nothing. Initial passwords come from the step's secrets (stdin), never a file.
# Debian's own python3 carries the samba bindings (python3-samba, a dependency of samba-ad-dc).
/usr/bin/python3 /usr/local/lib/billu/directory/apply_samba.py --plan /var/lib/billu/directory/plan.json --secrets "$BILLU_SECRETS"
