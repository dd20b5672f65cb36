#!/usr/bin/env bash
# labs/fileserver: the file server's Samba side against a real Samba AD DC, in network namespaces.
#   1. level 3: the rendered smb.conf passes the very check its guest step runs before installing it (testparm,
#      complaints included); broken copies (an unknown parameter, security=ADS without a realm) must fail it.
#   2. level 4: a Samba AD DC (namespace dc, a pseudo-guest of labs/lib/samba.sh) for the site's domain, with the dev
#      directory plan applied by the first DC's rendered directory step exactly as synth rendered it (staged, run and
#      read back): the plan's own OUs, groups and 167 accounts; the lab sets the passwords of two of them with
#      samba-tool (A, the first member of the first department share's group in the model's directory.json, B the
#      first of the second's); the file server (namespace fs) runs the rendered smb.conf, krb5.conf and
#      nsswitch.conf at their real paths (a private mount namespace with an overlay on /etc), joins the domain, runs
#      winbindd and smbd, and the rendered billu-shares creates the folders and ACLs; from a client (namespace cl):
#      A writes to A's share and is refused on B's, B writes to B's and is refused on A's at tree connect
#      (NT_STATUS_ACCESS_DENIED), both write to the common share; files inherit the share's group ACL; billu-shares
#      re-run changes nothing.
# Broken cases that must fail: the two bad smb.conf copies; billu-shares while the data filesystem is not mounted
# (it must refuse rather than create shares on the OS disk); A on B's share.
#   2b. the home share (billu:fileserver.homeShare): the redirection GPO's Documents path in the DC's rendered gpos.json
#      (its Registry.pol read by Samba's GPPolParser) is \\<file server>.<domain>\<the model's home share>\%USERNAME%\
#      Documents; billu-shares made exactly one folder per account of the model's home share, owned by the account, its
#      ACL exactly the account and the admins, the root traverse-only for the staff group; over SMB A writes in its
#      own folder, B is refused writing in and listing A's folder and listing the root (NT_STATUS_ACCESS_DENIED),
#      B writes in its own.
#   3. each layer alone: with B's folder ACL opened on purpose (rwx for everyone, on disk, after the probes above;
#      A may then create files there, the control), A is still refused on B's share at tree connect
#      (NT_STATUS_ACCESS_DENIED), by the share's `valid users` line alone; the on-disk ACL probes above show the ACL
#      layer alone refusing A under the share gate.
#   4. the shares acceptance scenario (npm run acceptance -- --only shares, tools/acceptance/scenarios/shares.ts) from
#      the client as the model's acceptance account (no --account: its department's group from
#      billu:directory.acceptance.department, its password the outputs' acceptancePassword), against the model's
#      address of PAR-FS01: passes (exit 0, its report), removes its test file; with a wrong password in the outputs
#      it fails (exit 1) and its report says NT_STATUS_LOGON_FAILURE.
#   5. a leaver's home folder is kept: L (an account of the model, nobody's manager) writes in its folder; synth plans
#      the dev export without L's line against the committed lock (L disabled, no folder planned: the model's facts
#      say so), that synth's shares.conf is installed (read back against it) and billu-shares runs: L's folder, file,
#      owner and ACL stay, the tool names it kept, and changes nothing in the home share.
# Sabotage switches (labs/fileserver/sabotage.txt): BILLU_LAB_SABOTAGE=1, after the read-back, the installed smb.conf
# serves share A from share B's folder; BFS_SABOTAGE=valid-users drops share B's `valid users` line from the
# installed smb.conf: every probe before part 3 still passes (the ACL refuses A), part 3's tree-connect probe fails;
# BFS_SABOTAGE=plan-group renames share A's group in the staged copy of the directory step's plan.json (after its
# read-back): the directory probes, the group's resolution on the file server and A's own-share probes fail.
# BFS_SABOTAGE=home-open: the installed billu-shares gives "other" rwx on each home folder (B's write into A's folder
# must be refused: its exact-ACL probe fails first); BFS_SABOTAGE=home-prune: after the read-back, it deletes the folders
# it must keep (part 5's probes of the leaver's folder fail).
# Lab overrides (documented): the guest is a namespace, not a VM: /srv is a tmpfs and /srv/shares an ext4 filesystem
# on a loop device (the mirror, proven by labs/raid1, is not rebuilt here: see "Why not on the RAID 1 array" below);
# Samba's state directories are the lab's; the DC's own smb.conf (samba_plain_dc), the directory step's BILLU_SMB_CONF
# naming it and the initial passwords on its stdin (random, never printed), the two probe accounts' passwords
# (samba-tool), and the join account with its delegation on CN=Computers (what the dc role's domain step creates) are
# the lab's. The join is the samba step's rendered line, run through the rendered billu-lib with the join password on
# stdin; a wrong password must fail. Nothing rendered is edited
# (labs/fileserver/overrides.json lists none); billu-shares runs from the lab's folder, not /usr/local/sbin.
# Why not on the RAID 1 array of labs/raid1: these machines have no md driver (no /proc/mdstat, no md modules:
# /work/shared/LAB-NOTES.md), so an md array exists only inside labs/raid1's qemu guest, a software-emulated (TCG) VM
# booted from an initramfs of busybox, mdadm and mke2fs, with no network device (-nodefaults) and no Samba. Serving
# the shares from that array would mean a full Debian root filesystem with samba, winbind and acl in the guest, a
# tap link from the guest to the lab DC's namespace and a domain join under TCG, i.e. a second file server lab inside
# labs/raid1. What the share layer takes from the storage is one contract, billu-raid1's: an ext4 filesystem mounted
# at the model's mount point (billu-shares refuses to run when nothing is mounted there), with POSIX ACLs and xattrs (the mount
# unit's options); labs/raid1 proves the mirror under it (create, degrade, rebuild, reassemble, checksums). So the
# lab stands in an ext4 filesystem made with billu-raid1's mkfs.ext4 options on a loop device (a real block device
# and the array's filesystem type: ACLs and the ownership of files stored by ext4, not a tmpfs's in-memory ones).
# Proof it runs what synth rendered: each installed file is read back from the file server's mount namespace
# (bytes, mode, owner) and compared with out/dev/rendered (`npm run synth -- --stack dev`) and the samba step's
# declared mode and owner (lab_readback). The shares, their groups and the workgroup the probes expect come from
# the model (tools/lab-facts.ts), not from the shares.conf or smb.conf under test.
LAB=fsv
source "$(dirname "$0")/../lib/common.sh"
source "$LAB_ROOT/labs/lib/samba.sh"
lab_require samba samba-tool mkfs.ext4 findmnt truncate ldbsearch perl od smbd winbindd wbinfo net smbclient testparm getent setfacl getfacl ldapsearch unshare nsenter setpriv python3 openssl node
START=$(date +%s%N)

OUT="$(lab_synth dev)"
R="$OUT/rendered/PAR-FS01"
RUN="$R/var/lib/billu/stage/samba/run.sh"
lab_overridden dev "$OUT/rendered" "$LAB_DIR/lab-dev"
lab_expected dev
DOMAIN=$(node -e "console.log(require('$OUT/outputs.json').site.domain)")
REALM=${DOMAIN^^}
DOMAIN_DN=$(printf 'DC=%s' "${DOMAIN//./,DC=}")
(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev) >"$LAB_DIR/facts.json" || lab_die "lab-facts dev failed"
# fact <JavaScript expression over f, the file server PAR-FS01 of the model>: one line per value.
fact() {
    node -e 'const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).fileservers.find((x) => x.host === "PAR-FS01");
        const v = eval(process.argv[2]); console.log(Array.isArray(v) ? v.join("\n") : v)' "$LAB_DIR/facts.json" "$1"
}
WG=$(fact f.workgroup)
lab_log "domain $DOMAIN ($WG), file server PAR-FS01"

# --- 1. the smb.conf check, exactly as the samba step renders it --------------------------------------------
line=$(grep "^billu_install '/etc/samba/smb.conf' " "$RUN")
eval "set -- ${line#billu_install }"
CHECK="$4"
[ -n "$CHECK" ] || lab_die "the samba step installs smb.conf without a check"
run_check() { sh -c "${CHECK//\{\}/$1}"; }
lab_expect "rendered smb.conf passes the samba step's check (testparm)" pass run_check "$R/etc/samba/smb.conf"
sed '/^\[global\]/a\    bogus parameter = yes' "$R/etc/samba/smb.conf" >"$LAB_DIR/bad1.conf"
lab_expect "broken: an unknown parameter fails the check" fail run_check "$LAB_DIR/bad1.conf"
sed '/^ *realm = /d' "$R/etc/samba/smb.conf" >"$LAB_DIR/bad2.conf"
lab_expect "broken: security = ADS without a realm fails the check" fail run_check "$LAB_DIR/bad2.conf"

# --- the share plan of the model: shares A and B (the first two department shares), the common share -----------
mapfile -t SHARES < <(fact 'f.shares.map((s) => s.name)')
[ "${#SHARES[@]}" -ge 3 ] || lab_die "the model's file server has fewer than 3 shares"
A_SHARE=$(fact 'f.shares.filter((s) => s.kind === "department")[0].name'); A_GROUP="$WG\\$(fact 'f.shares.filter((s) => s.kind === "department")[0].groups[0]')"
B_SHARE=$(fact 'f.shares.filter((s) => s.kind === "department")[1].name'); B_GROUP="$WG\\$(fact 'f.shares.filter((s) => s.kind === "department")[1].groups[0]')"
C_SHARE=$(fact '(f.shares.find((s) => s.kind === "common") || {}).name || ""'); C_GROUP="$WG\\$(fact '(f.shares.find((s) => s.kind === "common") || { groups: [""] }).groups[0]')"
[ -n "$C_SHARE" ] || lab_die "the model's file server has no common share"
A_G=${A_GROUP#*\\}; B_G=${B_GROUP#*\\}
lab_log "A: $A_SHARE ($A_GROUP), B: $B_SHARE ($B_GROUP), common: $C_SHARE ($C_GROUP)"

# --- 2. the domain: a Samba AD DC in namespace dc, the directory plan applied by the rendered directory step -----
ADMIN_PW="Lab-$(openssl rand -hex 10)-A1"
USER_PW="User-$(openssl rand -hex 10)-B2"
JOIN_PW="Join-$(openssl rand -hex 10)-C3"
# The samba step's join, exactly as rendered: the line that runs `net ads join` with the join account, and the
# step's data line (scripts/fileserver/samba-step.sh reads JOIN_USER) and the line that joins with it.
JOIN_USER=$(sed -n "s/^JOIN_USER='\([^']*\)'\$/\1/p" "$RUN")
# shellcheck disable=SC2016 # the rendered line's own "$JOIN_USER", matched literally
JOIN_LINE=$(grep -m1 'PASSWD=.*net ads join -U "\$JOIN_USER"' "$RUN" | sed 's/^ *//')
[ -n "$JOIN_LINE" ] || lab_die "the samba step renders no join line"
[ -n "$JOIN_USER" ] || lab_die "the samba step renders no join (no domain join account?)"
lab_log "rendered join: $JOIN_LINE"
# The clients' side of the file server has its address of the model (the acceptance scenario contacts that one).
DC_IP=10.77.0.1; FS_IP=10.77.0.2
FS_CL_IP=$(node -e 'console.log(require(process.argv[1]).hosts.find((h) => h.name === "PAR-FS01").address)' "$OUT/outputs.json")
CL_IP=${FS_CL_IP%.*}.250
# The DC is a pseudo-guest (labs/lib/samba.sh): its own overlays on /etc, /var and /usr/local, so the directory step
# stages and installs at its real paths (/var/lib/billu/..., /usr/local/lib/billu/...) without touching this machine.
guest_new dc labdc1; lab_ns fs; lab_ns cl
lab_link "$LAB-dc" eth0 "$DC_IP/24" "$LAB-fs" eth0 "$FS_IP/24"
lab_link "$LAB-cl" eth0 "$CL_IP/24" "$LAB-fs" eth1 "$FS_CL_IP/24"
D="$LAB_DIR/dc"
mkdir -p "/etc/netns/$LAB-dc"
echo "nameserver $DC_IP" >"/etc/netns/$LAB-dc/resolv.conf"
# The first DC's onboarding share, as synth rendered it (the directory step writes its sheet there, issue #24).
SAMBA_PLAIN_SYNTH="$OUT" samba_plain_dc dc "$D" LABDC1 "$REALM" "$WG" "$DC_IP" "$ADMIN_PW"
# The directory plan of the dev stack (the HR export), applied by the directory step exactly as synth rendered it
# for the first DC: staged and read back (guest_stage_step), run with the initial passwords on stdin, the files it
# installed read back. Lab overrides: BILLU_SMB_CONF names the lab DC's smb.conf (as labs/directory); the initial
# passwords are random, made here, never printed nor kept (Pulumi's RandomPasswords in a real run).
DC_HOST=$(node -e 'console.log(require(process.argv[1]).hosts.find((h) => h.role === "dc").name)' "$OUT/outputs.json")
RD="$OUT/rendered/$DC_HOST"
DIR_SECRETS="$LAB_DIR/directory.secrets"
(umask 077 && /usr/bin/python3 -c '
import json, secrets, sys
plan = json.load(open(sys.argv[1], encoding="utf-8"))
for u in plan["users"]:
    if u.get("password"):
        pw = secrets.token_urlsafe(12) + "-Kq7!"
        print("%s\t%s" % (u["password"], pw.encode("utf-8").hex()))
' "$RD/var/lib/billu/directory/plan.json" >"$DIR_SECRETS") || lab_die "making the directory step's secrets failed"
dir_step() { guest_exec dc env BILLU_SMB_CONF="$D/smb.conf" sh /var/lib/billu/stage/directory/run.sh <"$DIR_SECRETS" >"$LAB_DIR/directory.log" 2>&1; }
t=$(date +%s%N)
# The directory step joins the acceptance account to the group the DC's domain step creates for SSH logons, and
# refuses to run without it; this lab runs no domain step (lab override, as labs/directory does).
samba_ssh_group "$LAB-dc" "$D/smb.conf" "$OUT/outputs.json" >/dev/null || lab_die "creating the domain step's SSH group failed"
guest_stage_step dc "$RD" directory
if [ "${BFS_SABOTAGE:-}" = plan-group ]; then # staged and read back, then share A's group renamed in the staged plan
    guest_exec dc sed -i "s/\"$A_G\"/\"$A_G-x\"/g; s/CN=$A_G,/CN=$A_G-x,/g" \
        /var/lib/billu/stage/directory/files/var/lib/billu/directory/plan.json
    lab_log "SABOTAGE: the staged plan.json names $A_G $A_G-x"
fi
lab_expect "the directory step ($DC_HOST, as rendered) applies the dev plan to the lab DC" pass dir_step
sed 's/^/    /' "$LAB_DIR/directory.log" | tail -n 3
lab_fig "directory step (the dev plan: OUs, groups, accounts, computers)" "$(lab_since "$t") ms"
[ "${BFS_SABOTAGE:-}" = plan-group ] || guest_readback_step dc "$RD" directory "$DIR_SECRETS"
# The acceptance account's password, as `pulumi stack output --json --show-secrets` gives it (acceptancePassword): the
# one the lab made for its secret, into 0600 copies of the outputs (and a wrong one), through the environment, never
# on a command line. Lab override: offline synth has a placeholder there.
ACC_SAM=$(node -e 'console.log(require(process.argv[1]).acceptanceAccount)' "$OUT/outputs.json")
acc_outputs() { # <file> <prefix of the password>
    LAB_ACC_PREFIX="$2" LAB_ACC_KEY="pw-$ACC_SAM" /usr/bin/python3 -c '
import json, os, sys
pw = next(bytes.fromhex(v).decode() for k, v in (l.rstrip("\n").split("\t") for l in open(sys.argv[1])) if k == os.environ["LAB_ACC_KEY"])
o = json.load(open(sys.argv[2]))
o["acceptancePassword"] = os.environ["LAB_ACC_PREFIX"] + pw
fd = os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, json.dumps(o).encode())
os.close(fd)
' "$DIR_SECRETS" "$OUT/outputs.json" "$1"
}
acc_outputs "$LAB_DIR/outputs-acceptance.json" "" || lab_die "writing the acceptance outputs failed"
acc_outputs "$LAB_DIR/outputs-acceptance-wrong.json" "wrong-" || lab_die "writing the acceptance outputs failed"
rm -f "$DIR_SECRETS"
# The accounts the probes use, from the model (directory.json, never the share file): A, the first enabled member of
# share A's group outside share B's; B, the first enabled member of B's group outside A's.
member_of() { # <group> <not in group>: the account name
    node -e 'const [g, n] = process.argv.slice(2); const p = require(process.argv[1]).people.find((x) => x.enabled && x.groups.includes(g) && !x.groups.includes(n));
        console.log(p ? p.sam : "")' "$OUT/directory.json" "$1" "$2"
}
A_USER=$(member_of "$A_G" "$B_G"); B_USER=$(member_of "$B_G" "$A_G")
{ [ -n "$A_USER" ] && [ -n "$B_USER" ]; } || lab_die "the model's directory has no member of $A_G or $B_G alone"
lab_log "A: $A_USER ($A_G), B: $B_USER ($B_G), from the model's directory (directory.json)"
# in_directory_group <user> <group>: the DC's own database has the user as a member of the group (the plan makes
# every membership direct), the group's DN from the model's directory.json.
in_directory_group() {
    local dn
    dn=$(node -e 'const g = require(process.argv[1]).groups.find((x) => x.sam === process.argv[2]); console.log(g ? g.dn : "")' "$OUT/directory.json" "$2")
    [ -n "$dn" ] || return 1
    lab_has "^sAMAccountName: $1\$" ip netns exec "$LAB-dc" ldbsearch -H "$D/private/sam.ldb" -b "$DOMAIN_DN" \
        "(&(sAMAccountName=$1)(memberOf=$dn))" sAMAccountName
}
# Probed before anything else uses the accounts: without the directory step (left out, or failed) these probes,
# not the set-up below, turn the lab red.
lab_expect "the directory holds $A_USER in $A_G (the plan's membership)" pass in_directory_group "$A_USER" "$A_G"
lab_expect "the directory holds $B_USER in $B_G (the plan's membership)" pass in_directory_group "$B_USER" "$B_G"
# Their passwords for the lab: set with samba-tool after the plan is applied (the plan's own are secrets).
for u in "$A_USER" "$B_USER"; do
    ip netns exec "$LAB-dc" samba-tool user setpassword "$u" --newpassword="$USER_PW" -H "$D/private/sam.ldb" -s "$D/smb.conf" >/dev/null ||
        lab_die "setting $u's lab password failed"
done
# The join account as the dc role's domain step makes it: no rights but creating and managing computer objects
# in CN=Computers (the same delegation, done here by hand: lab override).
ip netns exec "$LAB-dc" samba-tool user create "$JOIN_USER" "$JOIN_PW" -H "$D/private/sam.ldb" -s "$D/smb.conf" >/dev/null ||
    lab_die "creating $JOIN_USER failed"
JOIN_SID=$(ip netns exec "$LAB-dc" ldbsearch -H "$D/private/sam.ldb" -b "$DOMAIN_DN" "(sAMAccountName=$JOIN_USER)" objectSid |
    sed -n 's/^objectSid: //p')
COMPUTER=bf967a86-0de6-11d0-a285-00aa003049e2 # schemaIDGUID of the computer class (MS-ADSC)
ip netns exec "$LAB-dc" samba-tool dsacl set --objectdn="CN=Computers,$DOMAIN_DN" -H "$D/private/sam.ldb" -s "$D/smb.conf" \
    --sddl="(OA;CI;CCDC;$COMPUTER;;$JOIN_SID)(OA;CIIO;CCDCLCSWRPWPDTLOCRSDRCWDWO;;$COMPUTER;$JOIN_SID)" >/dev/null ||
    lab_die "delegating computer objects to $JOIN_USER failed"
lab_log "join account $JOIN_USER ($JOIN_SID) may create computers in CN=Computers"

# --- the file server: the rendered files at their real paths, in a private mount namespace ----------------------
F="$LAB_DIR/fs"
mkdir -p "$F"/{etc-up,etc-work,lib/private,cache,log,run,bin}
chmod 700 "$F/lib/private"
lab_install_declared "$LAB_DIR/lab-dev/PAR-FS01" /usr/local/sbin/billu-shares "$F/bin/billu-shares"
case "${BFS_SABOTAGE:-}" in
home-open) # the installed billu-shares gives "other" rwx on each home folder: B's write into A's folder must be refused
    # shellcheck disable=SC2016 # sabotage: the tool's own variables, matched literally
    sed -i '/folder_acl "$home_path\/$account"/s/o::---/o::rwx/' "$F/bin/billu-shares"
    # shellcheck disable=SC2016 # the same, matched literally
    grep -q 'folder_acl "$home_path/$account" .*o::rwx' "$F/bin/billu-shares" || lab_die "sabotage: no home folder ACL line in billu-shares"
    lab_log "SABOTAGE: the installed billu-shares opens every home folder to others" ;;
esac
# The holder process keeps the namespace's mounts; every fs command enters it (nsenter). /etc is an overlay, so
# the rendered files go to their real paths without touching the host's /etc.
lab_bg "$LAB-fs" "$LAB_DIR/fs-holder.log" unshare -m --propagation private sh -c "
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$F/etc-up,workdir=$F/etc-work /etc &&
    mount --bind $F/lib /var/lib/samba && mount --bind $F/cache /var/cache/samba &&
    mount --bind $F/log /var/log/samba && mount --bind $F/run /run/samba &&
    mount -t tmpfs lab-srv /srv && echo ready && exec sleep 86400"
HOLDER=$LAB_LAST_PID
fsx() { nsenter -t "$HOLDER" -m -n -- "$@"; }
lab_wait 10 "file server namespace ready" grep -q ready "$LAB_DIR/fs-holder.log" || lab_die "the file server namespace did not start"
fsx sh -c "mkdir -p /etc/samba /etc/billu && printf 'nameserver $DC_IP\n' > /etc/resolv.conf"
FS_FILES=(/etc/samba/smb.conf /etc/krb5.conf /etc/nsswitch.conf /etc/billu/shares.conf)
LAB_ENTER=(fsx)
for f in "${FS_FILES[@]}"; do lab_install_declared "$LAB_DIR/lab-dev/PAR-FS01" "$f" "$f"; done
LAB_ENTER=()
# readback_fs: every file the lab installed for PAR-FS01 is what `synth --stack dev` rendered, as the step declares.
readback_fs() {
    lab_readback dev PAR-FS01 /usr/local/sbin/billu-shares "$F/bin/billu-shares"
    LAB_ENTER=(fsx)
    for f in "${FS_FILES[@]}"; do lab_readback dev PAR-FS01 "$f" "$f"; done
    LAB_ENTER=()
}
if lab_sabotage; then # share A's path becomes share B's folder: A's own-share probes must fail
    a_path=$(fsx sed -n "s#^    path = \(.*/$A_SHARE\)\$#\1#p" /etc/samba/smb.conf)
    b_path=$(fsx sed -n "s#^    path = \(.*/$B_SHARE\)\$#\1#p" /etc/samba/smb.conf)
    { [ -n "$a_path" ] && [ -n "$b_path" ]; } || lab_die "sabotage: no path line of share $A_SHARE or $B_SHARE"
    fsx sed -i "s#^    path = $a_path\$#    path = $b_path#" /etc/samba/smb.conf
    lab_log "SABOTAGE: the installed smb.conf serves $A_SHARE from $b_path"
fi
if [ "${BFS_SABOTAGE:-}" = valid-users ]; then # sabotage: share B's valid users line dropped, only its ACL guards it
    fsx sed -i "/^\[$B_SHARE\]\$/,/^\[/{/^    valid users = /d}" /etc/samba/smb.conf
    fsx sed -n "/^\[$B_SHARE\]\$/,/^\[/p" /etc/samba/smb.conf | grep -q '^    valid users = ' && lab_die "sabotage: share $B_SHARE still has its valid users line"
    lab_log "SABOTAGE: the installed smb.conf has no valid users line in [$B_SHARE]"
fi

# join <password>: the rendered join line, with billu-lib reading the secret from stdin as the guest step does.
join() {
    printf 'domain-join\t%s\n' "$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')" |
        fsx sh -c ". '$R/var/lib/billu/stage/samba/billu-lib.sh'; BILLU_STEP=samba; billu_begin; JOIN_USER='$JOIN_USER'; $JOIN_LINE" >"$LAB_DIR/join.log" 2>&1 && return 0
    sed 's/^/    join: /' "$LAB_DIR/join.log" >&2
    return 1
}
lab_expect "broken: the rendered join with a wrong join password fails" fail join "Wrong-$JOIN_PW"
lab_expect "broken: ... and leaves the server outside the domain" fail fsx net ads testjoin
t=$(date +%s%N)
lab_expect "the file server joins $REALM with the join account (the rendered join line)" pass join "$JOIN_PW"
lab_log "join: $(lab_since "$t") ms"
lab_expect "net ads testjoin (the samba step's membership test)" pass fsx net ads testjoin
fsx winbindd -F --debug-stdout -d1 >"$LAB_DIR/winbindd.log" 2>&1 &
LAB_PIDS+=($!)
lab_wait 60 "winbind reaches the DC (wbinfo -P)" fsx wbinfo -P || lab_die "winbind did not reach the DC"
# Every group the share plan names is a group of the directory (the plan applied), seen by the file server.
for g in "$A_GROUP" "$B_GROUP" "$C_GROUP"; do
    lab_expect "$g (the directory's) resolves on the file server through winbind" pass lab_wait 30 "$g resolves" fsx getent group "$g"
done

# billu-shares refuses while the data filesystem is not mounted (a share must never land on the OS disk).
lab_expect "broken: billu-shares without the data filesystem mounted refuses" fail fsx "$F/bin/billu-shares"
lab_expect "... and created nothing" fail fsx test -e "/srv/shares/$A_SHARE"
# The data filesystem: ext4 made as billu-raid1 makes it on the array (no lazy init), on a loop device standing in for
# /dev/md0 (no md driver here: see "Why not on the RAID 1 array" above), mounted with the mount unit's ACL options;
# the loop device is released with the namespace's mounts (autoclear).
truncate -s 64M "$LAB_DIR/data.img"
mkfs.ext4 -q -L lab-shares -E lazy_itable_init=0,lazy_journal_init=0 "$LAB_DIR/data.img" </dev/null || lab_die "mkfs.ext4 of the data image failed"
fsx sh -c "mkdir -p /srv/shares && mount -t ext4 -o loop,acl,user_xattr '$LAB_DIR/data.img' /srv/shares" || lab_die "mounting the data filesystem failed"
lab_expect "the shares' filesystem is ext4 on a block device (as on the array), not a tmpfs" pass fsx sh -c "findmnt -n -o FSTYPE,SOURCE /srv/shares | grep -q '^ext4 */dev/loop'"
shares_run() { fsx "$F/bin/billu-shares" >"$LAB_DIR/shares1.log" 2>&1; }
lab_expect "billu-shares applies the share plan on the data filesystem" pass shares_run
sed 's/^/    /' "$LAB_DIR/shares1.log" | tail -4
lab_expect "billu-shares created every share folder" pass grep -q "status shares=${#SHARES[@]} changes=" "$LAB_DIR/shares1.log"
fsx "$F/bin/billu-shares" >"$LAB_DIR/shares2.log" 2>&1 || true # the next probe judges its log
lab_expect "billu-shares re-run changes nothing" pass grep -qx "billu-shares: status shares=${#SHARES[@]} changes=0" "$LAB_DIR/shares2.log"
fsx smbd -F --debug-stdout -d1 >"$LAB_DIR/smbd.log" 2>&1 &
LAB_PIDS+=($!)

# --- the client ---------------------------------------------------------------------------------------------
printf '[global]\n    client min protocol = SMB3\n' >"$LAB_DIR/client.conf"
printf 'username = %s\npassword = %s\ndomain = %s\n' "$A_USER" "$USER_PW" "$WG" >"$LAB_DIR/a.auth"
printf 'username = %s\npassword = %s\ndomain = %s\n' "$B_USER" "$USER_PW" "$WG" >"$LAB_DIR/b.auth"
chmod 600 "$LAB_DIR"/*.auth
echo "written by the lab" >"$LAB_DIR/payload.txt"
lab_wait 30 "smbd answers on $FS_CL_IP:445" ip netns exec "$LAB-cl" smbclient -s "$LAB_DIR/client.conf" -A "$LAB_DIR/a.auth" -L "//$FS_CL_IP" -g ||
    lab_die "smbd did not answer"
# smb_put <user> <share> <name>: true when the upload succeeded (no NT_STATUS error).
smb_put() {
    local out
    out=$(ip netns exec "$LAB-cl" smbclient -s "$LAB_DIR/client.conf" -A "$LAB_DIR/$1.auth" "//$FS_CL_IP/$2" -c "put $LAB_DIR/payload.txt $3" 2>&1) || { echo "$out" >&2; return 1; }
    ! grep -q NT_STATUS_ <<<"$out"
}
# smb_refused <user> <share>: true when the server refuses the user with ACCESS_DENIED (not a network error).
smb_refused() {
    local out
    out=$(ip netns exec "$LAB-cl" smbclient -s "$LAB_DIR/client.conf" -A "$LAB_DIR/$1.auth" "//$FS_CL_IP/$2" -c "put $LAB_DIR/payload.txt x-$1.txt" 2>&1) || true
    grep -q NT_STATUS_ACCESS_DENIED <<<"$out"
}
# smb_tree_refused <user> <share>: true when smbd refuses the user at tree connect (the share's valid users), not at
# a file's open (an ACL) nor on the network.
smb_tree_refused() {
    local out
    out=$(ip netns exec "$LAB-cl" smbclient -s "$LAB_DIR/client.conf" -A "$LAB_DIR/$1.auth" "//$FS_CL_IP/$2" -c "put $LAB_DIR/payload.txt x-tree-$1.txt" 2>&1) || true
    printf '%s\n' "$out" >>"$LAB_DIR/probes.log"
    grep -q 'tree connect failed: NT_STATUS_ACCESS_DENIED' <<<"$out"
}
# file_acl_rw <file> <group>: the file's ACL gives the group read/write, effective (not masked away).
file_acl_rw() {
    local gid acl
    gid=$(fsx getent group "$2" | cut -d: -f3)
    acl=$(fsx getfacl -cpn "$1" 2>/dev/null) || return 1
    grep -qE "^group:$gid:rw.([[:space:]]+#effective:rw.)?$" <<<"$acl"
}
lab_expect "A ($A_USER, $A_GROUP) writes to $A_SHARE" pass smb_put a "$A_SHARE" alice.txt
lab_expect "A is refused on $B_SHARE" pass smb_refused a "$B_SHARE"
lab_expect "broken: A's write to $B_SHARE does not succeed" fail smb_put a "$B_SHARE" alice-in-b.txt
lab_expect "B ($B_USER, $B_GROUP) writes to $B_SHARE" pass smb_put b "$B_SHARE" bob.txt
lab_expect "B is refused on $A_SHARE at tree connect (NT_STATUS_ACCESS_DENIED)" pass smb_tree_refused b "$A_SHARE"
lab_expect "A writes to the common share $C_SHARE" pass smb_put a "$C_SHARE" alice-common.txt
lab_expect "B writes to the common share $C_SHARE" pass smb_put b "$C_SHARE" bob-common.txt
lab_expect "A's file is on the data filesystem, owned by $A_USER" pass fsx sh -c "stat -c %U '/srv/shares/$A_SHARE/alice.txt' | grep -qi '$A_USER'"
lab_expect "A's file inherits the share's group ACL ($A_GROUP rw)" pass file_acl_rw "/srv/shares/$A_SHARE/alice.txt" "$A_GROUP"
lab_expect "nothing of A's landed in $B_SHARE" fail fsx test -e "/srv/shares/$B_SHARE/alice-in-b.txt"
# The folder ACLs hold on their own, under the share gate: $A_USER's uid and AD groups, straight on the disk.
as_a() { fsx setpriv --reuid="$(fsx id -u "$WG\\$A_USER")" --regid="$(fsx id -g "$WG\\$A_USER")" --init-groups "$@"; }
lab_expect "on disk, $A_USER may create files in $A_SHARE (ACL)" pass as_a touch "/srv/shares/$A_SHARE/acl-probe"
lab_expect "on disk, $A_USER may not create files in $B_SHARE (ACL)" fail as_a touch "/srv/shares/$B_SHARE/acl-probe"

# --- 2b. the home share (billu:fileserver.homeShare): the Documents redirection's target -----------------------
# Its name, folder, staff group and accounts come from the model (tools/lab-facts.ts), the GPO's path from the gpo
# step's rendered gpos.json (its Registry.pol, read by Samba's own parser), never from shares.conf or smb.conf.
H_SHARE=$(fact '(f.homes || {}).name || ""')
[ -n "$H_SHARE" ] || lab_die "the model's file server has no home share (billu:fileserver.homeShare)"
H_DIR="/srv/shares/$(fact 'f.homes.folder')"; H_GROUP="$WG\\$(fact 'f.homes.group')"
mapfile -t H_USERS < <(fact 'f.homes.users')
lab_log "home share $H_SHARE ($H_DIR): ${#H_USERS[@]} folders of the model, root traversed by $H_GROUP"
# The redirection GPO's Documents path, as the DC's gpo step ships it: the model's home share on PAR-FS01.
redirected_path() {
    /usr/bin/python3 - "$RD/var/lib/billu/gpo/gpos.json" <<'EOF'
import base64, json, sys
from samba.gp_parse.gp_pol import GPPolParser
for g in json.load(open(sys.argv[1], encoding="utf-8"))["gpos"]:
    for f in g["files"]:
        if f["path"] == "User/Registry.pol":
            p = GPPolParser()
            p.parse(base64.b64decode(f["base64"]))
            for e in p.pol_file.entries:
                if e.valuename == "Personal":
                    print(e.data)
EOF
}
WANT_PATH="\\\\$(fact 'f.host.toLowerCase()').$DOMAIN\\$H_SHARE\\%USERNAME%\\Documents"
path_is() { local got; got=$(redirected_path); [ "$got" = "$WANT_PATH" ] || { echo "got [$got]"; return 1; }; }
lab_expect "the redirection GPO's Documents path is the model's home share: $WANT_PATH" pass path_is
lab_expect "billu-shares made one home folder per account of the model (${#H_USERS[@]}), kept none" pass \
    grep -qx "billu-shares: home share $H_SHARE: folders=${#H_USERS[@]} kept=0" "$LAB_DIR/shares1.log"
lab_expect "the home folders on disk are exactly the model's accounts" pass \
    diff <(fsx ls -1 "$H_DIR" | sort) <(printf '%s\n' "${H_USERS[@]}" | sort)
lab_expect "$A_USER and $B_USER have a home folder in the model" pass sh -c "printf '%s\n' ${H_USERS[*]} | grep -qx '$A_USER' && printf '%s\n' ${H_USERS[*]} | grep -qx '$B_USER'"
# home_acl_is <folder> <owner account>: owned by the account (uid), root group, the ACL exactly the owner and the admins.
ADMIN_GID=$(fsx getent group "$WG\\$(fact f.adminGroup)" | cut -d: -f3)
home_acl_is() {
    local uid want
    uid=$(fsx id -u "$WG\\$2") || return 1
    [ "$(fsx stat -c %u:%g "$1")" = "$uid:0" ] || { echo "owner $(fsx stat -c %u:%g "$1"), want $uid:0"; return 1; }
    want=$(printf '%s\n' user::rwx group::--- "group:$ADMIN_GID:rwx" mask::rwx other::--- \
        default:user::rwx default:group::--- "default:group:$ADMIN_GID:rwx" default:mask::rwx default:other::--- | sort)
    diff <(fsx getfacl -cpn "$1" | grep -v '^$' | sort) <(printf '%s\n' "$want")
}
lab_expect "$A_USER's home folder: owned by $A_USER, only $A_USER and $(fact f.adminGroup) in its ACL" pass home_acl_is "$H_DIR/$A_USER" "$A_USER"
STAFF_GID=$(fsx getent group "$H_GROUP" | cut -d: -f3)
lab_expect "the home root: $H_GROUP may traverse it, not list it (--x)" pass lab_has "^group:$STAFF_GID:--x\$" fsx getfacl -cpn "$H_DIR"
# smb_status <user> <share> <smbclient commands>: the NT_STATUS codes smbclient printed, one a line (none: success).
smb_status() {
    local out
    out=$(ip netns exec "$LAB-cl" smbclient -s "$LAB_DIR/client.conf" -A "$LAB_DIR/$1.auth" "//$FS_CL_IP/$2" -c "$3" 2>&1) || true
    printf '%s\n' "$out" >>"$LAB_DIR/probes.log"
    grep -o 'NT_STATUS_[A-Z_]*' <<<"$out" || true
}
status_is() { local got; got=$(smb_status "$2" "$3" "$4" | sort -u | tr '\n' ' '); [ "$got" = "$1" ] || { echo "got [$got], want [$1]"; return 1; }; }
lab_expect "A writes Documents/a.txt in its own folder of $H_SHARE (no NT_STATUS)" pass \
    status_is "" a "$H_SHARE" "mkdir $A_USER/Documents; put $LAB_DIR/payload.txt $A_USER/Documents/a.txt"
lab_expect "... and it is on disk, owned by $A_USER" pass fsx sh -c "stat -c %U '$H_DIR/$A_USER/Documents/a.txt' | grep -qi '$A_USER'"
lab_expect "B is refused writing in A's home folder: NT_STATUS_ACCESS_DENIED" pass \
    status_is "NT_STATUS_ACCESS_DENIED " b "$H_SHARE" "put $LAB_DIR/payload.txt $A_USER/Documents/b.txt"
lab_expect "B is refused listing A's home folder: NT_STATUS_ACCESS_DENIED" pass status_is "NT_STATUS_ACCESS_DENIED " b "$H_SHARE" "ls $A_USER/*"
lab_expect "B is refused listing the home root: NT_STATUS_ACCESS_DENIED" pass status_is "NT_STATUS_ACCESS_DENIED " b "$H_SHARE" "ls"
lab_expect "nothing of B's landed in A's home folder" fail fsx test -e "$H_DIR/$A_USER/Documents/b.txt"
lab_expect "B writes in its own home folder (no NT_STATUS)" pass status_is "" b "$H_SHARE" "put $LAB_DIR/payload.txt $B_USER/b.txt"

# --- 3. the share's valid users line alone: B's folder ACL opened on purpose, A must still be refused by Samba ----
# B's share admits the groups of the model's plan (tools/lab-facts.ts): A's department group is not among them.
B_GROUPS=$(fact 'f.shares.filter((s) => s.kind === "department")[1].groups.join(",")')
in_list() { case ",$2," in *",$1,"*) return 0 ;; *) return 1 ;; esac; } # <item> <comma-separated list>
lab_expect "the model's plan keeps $A_G out of $B_SHARE (its groups: $B_GROUPS)" fail in_list "$A_G" "$B_GROUPS"
fsx setfacl -R -m u::rwx,g::rwx,o::rwx,m::rwx -m d:u::rwx,d:g::rwx,d:o::rwx,d:m::rwx "/srv/shares/$B_SHARE"
lab_log "the ACL of /srv/shares/$B_SHARE opened: rwx for everyone (the lab's change, on disk)"
lab_expect "control: with B's ACL opened, $A_USER may create files in $B_SHARE on disk" pass as_a touch "/srv/shares/$B_SHARE/open-acl-probe"
lab_expect "with B's ACL open, A is refused on $B_SHARE at tree connect (valid users alone)" pass smb_tree_refused a "$B_SHARE"
lab_expect "... and nothing of A's landed in $B_SHARE" fail fsx test -e "/srv/shares/$B_SHARE/x-tree-a.txt"
lab_expect "control: B still connects to $B_SHARE and writes" pass smb_put b "$B_SHARE" bob-open-acl.txt
# --- 4. the shares acceptance scenario (tools/acceptance/scenarios/shares.ts), run from the client as an admin runs it --
# As the model's acceptance account, without --account: its department (billu:directory.acceptance.department) gives
# it its own share and another's in the model; it writes, lists and removes a file on the first and is refused on the
# second at tree connect; its report says what it expected and observed. Its password is the outputs' secret.
ACC_OWN=$(fact "f.shares.find((s) => s.kind === 'department' && s.groups.includes('$(node -e 'const a = require(process.argv[1]).users.find((u) => u.sam === process.argv[2]); console.log(a.groups[0] || "")' "$RD/var/lib/billu/directory/plan.json" "$ACC_SAM")')).name")
ACC_OTHER=$A_SHARE; [ "$ACC_OWN" = "$A_SHARE" ] && ACC_OTHER=$B_SHARE
lab_log "acceptance account $ACC_SAM: its share $ACC_OWN, refused on $ACC_OTHER (the model's directory and share plans)"
acceptance() { # <outputs> <report dir>
    (cd "$LAB_ROOT" && ip netns exec "$LAB-cl" env -u BILLU_ACCEPTANCE_PASSWORD BILLU_PROJECT_ROOT="$LAB_ROOT" node dist/tools/acceptance.js \
        --stack dev --outputs "$1" --only shares --report "$2") >"$2.log" 2>&1
}
acceptance_exit() { local rc=0; acceptance "$2" "$3" || rc=$?; test "$rc" = "$1"; } # <exit code> <outputs> <dir>
t=$(date +%s%N)
lab_expect "acceptance: the shares scenario passes as $ACC_SAM, the directory's acceptance account, without --account (exit 0)" pass \
    acceptance "$LAB_DIR/outputs-acceptance.json" "$LAB_DIR/acceptance"
lab_fig "acceptance run (shares)" "$(lab_since "$t") ms"
sed 's/^/    /' "$LAB_DIR/acceptance.log"
lab_expect "acceptance: it wrote to $ACC_OWN and was refused on $ACC_OTHER at tree connect (its report)" pass \
    grep -q "SMB: $ACC_SAM writes, lists and removes a test file on .*$ACC_OWN | written, listed and removed | written, listed and removed | ok" "$LAB_DIR/acceptance/acceptance.md"
lab_expect "acceptance: ...refused on $ACC_OTHER at tree connect (its report)" pass \
    grep -q "SMB: $ACC_SAM is refused on .*$ACC_OTHER at tree connect | tree connect failed: NT_STATUS_ACCESS_DENIED | tree connect failed: NT_STATUS_ACCESS_DENIED" "$LAB_DIR/acceptance/acceptance.md"
lab_expect "acceptance: its test file is gone from $ACC_OWN (it cleans up)" fail fsx sh -c "ls /srv/shares/$ACC_OWN | grep -q billu-acceptance"
lab_expect "acceptance: with a wrong password the scenario fails (exit 1, not bad input)" pass acceptance_exit 1 "$LAB_DIR/outputs-acceptance-wrong.json" "$LAB_DIR/acceptance-bad"
lab_expect "acceptance: ... and its report says the server refused the logon" pass grep -q NT_STATUS_LOGON_FAILURE "$LAB_DIR/acceptance-bad/acceptance.md"
lab_log "after the join, billu-shares and the probes, the installed files are still the rendered ones:"
readback_fs

# --- 5. a leaver's home folder is kept ---------------------------------------------------------------------------
# L: an account of the model with a home folder, nobody's manager (its line can leave the export alone), not A, B nor
# the acceptance account. L writes in its folder; then the HR export without L's line is planned by synth against the
# committed lock (L becomes a leaver: disabled, no home folder planned), that synth's shares.conf is installed and
# read back, and billu-shares runs: L's folder and file stay, named as kept.
# shellcheck disable=SC2016 # a JavaScript program: its ${...} are node's
L=$(node -e 'const d = require(process.argv[1]); const homes = new Set(process.argv.slice(2));
    const p = d.people.find((x) => x.enabled && homes.has(x.sam) && x.line && !d.people.some((y) => y.manager === x.sam) && ![process.argv[2], process.argv[3]].includes(x.sam));
    console.log(p ? `${p.sam} ${p.line}` : "")' "$OUT/directory.json" "$A_USER" "$B_USER" "${H_USERS[@]}")
[ -n "$L" ] || lab_die "the model has no account that can leave alone"
L_USER=${L% *}; L_LINE=${L#* }
as_l() { fsx setpriv --reuid="$(fsx id -u "$WG\\$L_USER")" --regid="$(fsx id -g "$WG\\$L_USER")" --init-groups "$@"; }
lab_expect "on disk, $L_USER writes in its home folder" pass as_l sh -c "mkdir -p '$H_DIR/$L_USER/Documents' && echo 'L was here' > '$H_DIR/$L_USER/Documents/notes.txt'"
HR=$(node -e 'console.log(require("yaml").parse(require("fs").readFileSync(process.argv[1], "utf8")).config["billu:directory"].hrCsv)' "$LAB_ROOT/Pulumi.dev.yaml")
sed "${L_LINE}d" "$LAB_ROOT/$HR" >"$LAB_DIR/leaver.csv"
SL="$LAB_DIR/synth-leaver"
leaver_synth() { (cd "$LAB_ROOT" && node dist/tools/synth.js --stack dev --out "$SL" --hr-csv "$LAB_DIR/leaver.csv") >"$SL.log" 2>&1; }
lab_expect "synth plans the export without $L_USER's line (line $L_LINE) against the committed lock" pass leaver_synth
lab_expect "... in which $L_USER has left (disabled)" pass node -e 'const p = require(process.argv[1]).people.find((x) => x.sam === process.argv[2]); process.exit(p && !p.enabled ? 0 : 1)' "$SL/directory.json" "$L_USER"
(cd "$LAB_ROOT" && BILLU_HR_CSV="$LAB_DIR/leaver.csv" node dist/tools/lab-facts.js --stack dev) >"$LAB_DIR/facts-leaver.json" || lab_die "lab-facts for the leaver failed"
mapfile -t HL_USERS < <(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).fileservers[0].homes.users.join("\n"))' "$LAB_DIR/facts-leaver.json")
lab_expect "the model after $L_USER left plans ${#HL_USERS[@]} home folders, none for $L_USER" pass \
    sh -c "[ ${#HL_USERS[@]} -eq $((${#H_USERS[@]} - 1)) ] && ! printf '%s\n' ${HL_USERS[*]} | grep -qx '$L_USER'"
lab_reference leaver dev "$SL/rendered"
LAB_ENTER=(fsx)
lab_install_declared "$LAB_DIR/expected/leaver/PAR-FS01" /etc/billu/shares.conf /etc/billu/shares.conf
lab_readback leaver PAR-FS01 /etc/billu/shares.conf /etc/billu/shares.conf
LAB_ENTER=()
if [ "${BFS_SABOTAGE:-}" = home-prune ]; then # after the read-back: the installed billu-shares deletes the folders it must keep
    sed -i 's/^\( *\)say "kept: \$d .*$/&\n\1rm -rf "$d"/' "$F/bin/billu-shares"
    # shellcheck disable=SC2016 # sabotage: the tool's own variables, matched literally
    grep -q '^ *rm -rf "$d"$' "$F/bin/billu-shares" || lab_die "sabotage: no kept line in billu-shares"
    lab_log "SABOTAGE: the installed billu-shares deletes a leaver's home folder"
fi
leaver_run() { fsx "$F/bin/billu-shares" >"$LAB_DIR/shares-leaver.log" 2>&1; }
lab_expect "billu-shares runs with the leaver's plan" pass leaver_run
sed 's/^/    /' "$LAB_DIR/shares-leaver.log" | tail -3
lab_expect "... names $L_USER's folder as kept, and nothing else" pass grep -qx "billu-shares: home share $H_SHARE: folders=${#HL_USERS[@]} kept=1" "$LAB_DIR/shares-leaver.log"
lab_expect "... the kept folder is $L_USER's" pass grep -q "^billu-shares: kept: $H_DIR/$L_USER " "$LAB_DIR/shares-leaver.log"
lab_expect "$L_USER's file is still there" pass fsx grep -qx 'L was here' "$H_DIR/$L_USER/Documents/notes.txt"
lab_expect "$L_USER's folder keeps its owner and ACL" pass home_acl_is "$H_DIR/$L_USER" "$L_USER"
# Its only change: B's share ACL, opened by hand in part 3, put back; nothing in the home share.
only_b_acl() { [ "$(grep -c '^billu-shares: run: ' "$LAB_DIR/shares-leaver.log")" = 1 ] && grep -q "^billu-shares: run: setfacl .* /srv/shares/$B_SHARE\$" "$LAB_DIR/shares-leaver.log"; }
lab_expect "... and changed nothing but $B_SHARE's ACL opened in part 3 (put back)" pass only_b_acl
lab_log "whole lab $(lab_since "$START") ms"
lab_finish
