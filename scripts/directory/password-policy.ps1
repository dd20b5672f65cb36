# The domain's password and lockout policy and its fine-grained password policies, through the ActiveDirectory
# module: only what differs is set, so the same policy twice changes nothing.
. 'C:/ProgramData/billu/directory/Apply-PasswordPolicy.ps1'
Invoke-BilluPasswordPolicy -PolicyPath 'C:/ProgramData/billu/directory/password-policy.json'
