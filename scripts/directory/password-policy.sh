# The domain's password and lockout policy and its PSOs, set with samba-tool only where the DC differs from the
# plan: the same policy twice runs no command. After the directory step (a PSO names the plan's groups).
/usr/bin/python3 /usr/local/lib/billu/directory/password_policy_samba.py --policy /var/lib/billu/directory/password-policy.json
