#!/usr/bin/python3
# billu-samba-tool: runs samba-tool with a password taken from the environment, never from the command line.
# Shipped by components/domain-controller (installed as /usr/local/sbin/billu-samba-tool) for the Samba DC steps:
# every "@BILLU_SECRET@" in the arguments becomes $BILLU_SECRET inside this Python process only, so
# /proc/<pid>/cmdline and ps keep the placeholder.
import os
import runpy
import sys

secret = os.environ.pop("BILLU_SECRET", "")
args = sys.argv[1:]
if any("@BILLU_SECRET@" in a for a in args):
    if not secret:
        sys.exit("billu-samba-tool: BILLU_SECRET is empty or not set")
    args = [a.replace("@BILLU_SECRET@", secret) for a in args]
sys.argv = ["samba-tool"] + args
runpy.run_path("/usr/bin/samba-tool", run_name="__main__")
