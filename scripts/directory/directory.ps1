# The directory plan, applied through the ActiveDirectory module: only the differences are written, so the
# same plan twice writes nothing. Initial passwords come from the step's secrets (stdin), never a file.
. 'C:/ProgramData/billu/directory/Apply-Directory.ps1'
Invoke-BilluDirectory -PlanPath 'C:/ProgramData/billu/directory/plan.json'
