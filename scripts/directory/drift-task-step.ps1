# scripts/directory/drift-task-step.ps1: the call that follows directory.ps1 in a Windows first DC's directory step
# (the functions are in the installed drift-task.ps1). Data: $DRIFT_TASK, $DRIFT_APPLIER, $DRIFT_PLAN, $DRIFT_RESULT,
# $DRIFT_INTERVAL (components/directory/drift.ts windowsDriftData).
. 'C:/ProgramData/billu/directory/drift-task.ps1'
Register-BilluDriftTask -Name $DRIFT_TASK -Applier $DRIFT_APPLIER -Plan $DRIFT_PLAN -Result $DRIFT_RESULT -Interval $DRIFT_INTERVAL
