#!/usr/bin/env bash
# labs/backup: the in-guest backup (billu:backup) with the real daemons, in network namespaces that carry the dev
# model's addresses, a router between the zones:
#
#   bbk-srv (PAR-BKP01, its zone) --+-- bbk-r (the router: the zones' gateways, forwarding)
#   bbk-fs  (PAR-FS01,  its zone) --+
#
#   part 1  the rendered steps run for real: the server's `backup-server` step (rclone serve restic --append-only over
#           TLS, started from the installed unit's own ExecStart line) and the file server's backup part
#           (`backup-client`: the same files and body its base step carries); secrets through the step's stdin
#           (the htpasswd line a bcrypt hash in @pulumi/random's $2a$ form). Every installed file is read back against
#           synth's output of the same stack file (bytes, mode, owner).
#   part 2  the files drill: a share tree under the model's mount point with files owned by the share groups' ids,
#           POSIX ACLs (default ACLs too) and xattrs; backed up by the installed job (the unit's ExecStart) through
#           the router; files deleted and modified; restored with the installed restore.sh into a new folder: every
#           checksum, owner, mode, ACL and xattr equal to the tree before. The server's report writes the client's
#           result (exit status 0, the snapshot id restic lists); pruning runs on the server.
#   part 3  what a client must not do: `restic forget` from the client is refused by the append-only server (the
#           snapshot is still there afterwards); the client's login cannot open another client's repository; a
#           wrong repository key makes restore.sh fail with its message and leaves nothing (no target, no staging).
#   part 4  the mail drill and part 5 the directory drill (labs/backup/drills.sh: a Dovecot mailbox and a Samba AD DC with
#           the dev directory plan, each backed up by its rendered client, destroyed, restored, probed).
#
# Inputs: the dev stack's own backup server (PAR-BKP01) and flows; installed files are read back against the stack's
# own synth output (out/dev/rendered, synthesized when missing). Expected values (server, FQDN, port, the client's repository, the mount point and the
# shares) come from the model (tools/lab-backup.ts prints them), never from a file under test. Figures: backup and restore times, repository size.
# Lab-only stand-ins (documented; everything rendered runs byte for byte, read back after the steps ran):
#  1. Paths: each host runs in its own mount namespace where its lab folder is bind-mounted over /etc/billu,
#     /etc/systemd/system, /usr/local/lib/billu, /var/lib/billu, /srv and /etc/hosts (the FQDN of the server).
#  2. Certificates: a throwaway site CA (ECDSA P-384, like SiteCa) issues the server's certificate for its FQDN and
#     address; passwords are random per run.
#  3. systemd: `systemctl` is a shim on the step's PATH: for billu-backup-server it runs the installed unit's
#     ExecStart in the background; other verbs and units are logged and ignored (timers: the lab runs the jobs).
#  4. Share groups: numeric ids stand for the AD groups' (restic stores and restores the numbers).
# Proof the lab can fail: BILLU_LAB_SABOTAGE=1 removes --append-only from the installed server unit (after the
# read-back) and restarts it: the client's `restic forget` then succeeds and the lab exits 1.
# shellcheck disable=SC2016,SC2317,SC2013 # node programs in single quotes; probes called through lab_expect/lab_wait; the staged paths have no spaces
LAB=bbk
# shellcheck source=labs/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
lab_require restic rclone setfacl getfacl setfattr getfattr openssl htpasswd ip node unshare ss sha256sum
# shellcheck source=labs/backup/drills.sh
source "$(dirname "$0")/drills.sh" # parts 4 and 5: the directory and mail drills (functions, run at the end)

T0=$(date +%s%N)
R="$LAB_DIR/rendered"
(cd "$LAB_ROOT" && node dist/tools/lab-backup.js --stack dev --out "$R" >"$LAB_DIR/lab-backup.log" 2>&1) ||
    { cat "$LAB_DIR/lab-backup.log" >&2; lab_die "tools/lab-backup.js could not render the backup steps of the dev stack"; }

# --- facts from the model -------------------------------------------------------------------------------------------
eval "$(node -e '
const f = JSON.parse(require("fs").readFileSync(process.argv[1] + "/facts.json", "utf8"));
const p = f.plan, zone = (n) => f.zones.find((z) => z.name === n);
const out = [], sh = (k, v) => out.push(`${k}=${JSON.stringify(String(v))}`);
sh("SRV", p.host.name); sh("SRV_ADDR", p.host.address); sh("SRV_ZONE", p.host.zone); sh("FQDN", p.fqdn); sh("PORT", p.port);
sh("SRV_PREFIX", zone(p.host.zone).cidr.split("/")[1]); sh("SRV_GW", zone(p.host.zone).gateway);
sh("REPO_ROOT", p.repoRoot); sh("RESULT_DIR", p.resultDir);
const fs = f.fileservers[0], c = p.clients.find((x) => x.name === fs.host);
const set = f.backups.find((b) => b.host === fs.host && b.dataClass === "files");
sh("FS", c.name); sh("FS_ADDR", c.address); sh("FS_ZONE", c.zone); sh("FS_REPO", c.repository);
sh("FS_PREFIX", zone(c.zone).cidr.split("/")[1]); sh("FS_GW", zone(c.zone).gateway);
sh("SHARE_ROOT", set.paths[0]); sh("MOUNT", fs.mountPoint);
sh("SHARES", fs.shares.map((s) => s.name).join(" "));
sh("OTHER_REPO", p.clients.find((x) => x.name !== fs.host).repository);
sh("ALL_REPOS", p.clients.map((x) => x.repository).join(" "));
// The acceptance run: a client no drill backs up (its repository never exists here), and the address of the admin
// host, the highest of the zone of the server that no host of the model has (the gateway of the zone excluded).
const drilled = [fs.host, ...f.backups.filter((b) => b.dataClass === "directory" || b.dataClass === "mail").map((b) => b.host)];
sh("NOREPO_CLIENT", [...p.clients].reverse().find((x) => !drilled.includes(x.name)).name);
const [base, bits] = zone(p.host.zone).cidr.split("/"), num = base.split(".").reduce((a, o) => a * 256 + Number(o), 0);
const used = new Set([zone(p.host.zone).gateway, ...f.hosts.flatMap((h) => h.addresses)]);
const ip = (n) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
let adm = num + 2 ** (32 - Number(bits)) - 2;
while (used.has(ip(adm))) adm--;
sh("ADM_ADDR", ip(adm));
console.log(out.join("\n"));
' "$R")"
[ "$SHARE_ROOT" = "$MOUNT" ] || lab_die "the file server declares $SHARE_ROOT to back up, its mount point is $MOUNT"
lab_log "server $SRV $SRV_ADDR ($SRV_ZONE, $FQDN:$PORT); client $FS $FS_ADDR ($FS_ZONE) -> repository $FS_REPO; shares under $MOUNT: $SHARES"

# --- the network: the router forwards between the two zones -----------------------------------------------------------
lab_ns r; lab_ns srv; lab_ns fs; lab_ns adm
ip netns exec "$LAB-r" sysctl -qw net.ipv4.ip_forward=1
# The server's zone is a bridge in the router's namespace: the server and the admin host (the acceptance run, part 2b).
ip -n "$LAB-r" link add z-srv type bridge
ip -n "$LAB-r" addr add "$SRV_GW/$SRV_PREFIX" dev z-srv
ip -n "$LAB-r" link set z-srv up
lab_link "$LAB-srv" eth0 "$SRV_ADDR/$SRV_PREFIX" "$LAB-r" p-srv -
lab_link "$LAB-adm" eth0 "$ADM_ADDR/$SRV_PREFIX" "$LAB-r" p-adm -
ip -n "$LAB-r" link set p-srv master z-srv
ip -n "$LAB-r" link set p-adm master z-srv
lab_link "$LAB-fs" eth0 "$FS_ADDR/$FS_PREFIX" "$LAB-r" z-fs "$FS_GW/$FS_PREFIX"
ip -n "$LAB-srv" route add default via "$SRV_GW"
ip -n "$LAB-fs" route add default via "$FS_GW"
ip -n "$LAB-adm" route add default via "$SRV_GW"

# --- stand-in 1: per-host roots mounted over the rendered paths -----------------------------------------------------------
MOUNTED=(/etc/billu /etc/systemd/system /usr/local/lib/billu /var/lib/billu /srv)
CREATED=()
for m in "${MOUNTED[@]}"; do [ -d "$m" ] || { mkdir -p "$m"; CREATED+=("$m"); }; done
backup_cleanup() {
    local m
    for m in "${CREATED[@]:-}"; do if [ -n "$m" ]; then rmdir "$m" 2>/dev/null || true; fi; done
    lab_cleanup
}
trap backup_cleanup EXIT
chmod 0711 "$LAB_DIR"
root_of() { echo "$LAB_DIR/h/$1"; }
host_enter() { # <root> <ns> <command...>
    local root="$1" ns="$2"; shift 2
    ip netns exec "$ns" unshare -m --propagation private env LAB_HOST_ROOT="$root" PATH="$LAB_DIR/bin:$PATH" XDG_CACHE_HOME="$root/lab/cache" sh -c '
        r="$LAB_HOST_ROOT"
        for m in /etc/billu /etc/systemd/system /usr/local/lib/billu /var/lib/billu /srv; do mount --bind "$r$m" "$m" || exit 97; done
        mount --bind "$r/lab/hosts" /etc/hosts || exit 97
        exec "$@"' sh "$@"
}
make_root() {
    local r="$1" m
    for m in "${MOUNTED[@]}"; do mkdir -p "$r$m"; done
    mkdir -p "$r/lab"
    printf '127.0.0.1 localhost\n%s %s\n' "$SRV_ADDR" "$FQDN" >"$r/lab/hosts"
}
SRV_ROOT=$(root_of "$SRV"); FS_ROOT=$(root_of "$FS")
make_root "$SRV_ROOT"; make_root "$FS_ROOT"

# --- stand-in 3: systemctl --------------------------------------------------------------------------------------------------
mkdir -p "$LAB_DIR/bin"
cat >"$LAB_DIR/bin/systemctl" <<'SHIM'
#!/bin/sh
# Lab shim (labs/backup): billu-backup-server runs its installed unit's ExecStart; the rest is logged and ignored.
verb="$1"; shift
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
log="$LAB_HOST_ROOT/lab/systemctl.log"
pidf="$LAB_HOST_ROOT/lab/server.pid"
running() { [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; }
stop() {
    running || return 0
    kill "$(cat "$pidf")"
    n=0; while running; do n=$((n + 1)); [ "$n" -le 100 ] || { kill -9 "$(cat "$pidf")"; break; }; sleep 0.1; done
    rm -f "$pidf"
}
start() {
    running && return 0
    exec_line=$(sed -n 's/^ExecStart=//p' /etc/systemd/system/billu-backup-server.service)
    # shellcheck disable=SC2086 # the unit's command line, split as systemd splits it (no quotes in it)
    setsid $exec_line >>"$LAB_HOST_ROOT/lab/server.log" 2>&1 </dev/null &
    echo $! >"$pidf"
}
case "$verb" in
    daemon-reload | enable) echo "$verb $*" >>"$log" ;;
    *)
        for unit in "$@"; do
            echo "$verb $unit" >>"$log"
            [ "$unit" = billu-backup-server.service ] || continue
            case "$verb" in
                start) start ;;
                stop) stop ;;
                restart) stop; start ;;
                is-active) running || exit 3 ;;
            esac
        done
        ;;
esac
exit 0
SHIM
chmod 0755 "$LAB_DIR/bin/systemctl"

# --- stand-in 2: certificates and passwords ---------------------------------------------------------------------------------
lab_ca ca "BillU lab site CA"
lab_cert srv "$FQDN" "DNS:$FQDN,IP:$SRV_ADDR"
hex() { od -An -v -tx1 | tr -d ' \n'; }
rand() { openssl rand -hex 20; }
secret_line() { printf '%s\t%s\n' "$1" "$(printf '%s' "$2" | hex)"; }
secret_file() { printf '%s\t%s\n' "$1" "$(hex <"$2")"; }
SRV_SECRETS="$LAB_DIR/srv.secrets"; FS_SECRETS="$LAB_DIR/fs.secrets"
{
    secret_file backup-ca "$LAB_PKI/ca.pem"
    secret_file backup-cert "$LAB_PKI/srv.pem"
    secret_file backup-key "$LAB_PKI/srv.key"
} >"$SRV_SECRETS"
for repo in $ALL_REPOS; do
    http=$(rand); key=$(rand)
    # @pulumi/random's bcryptHash is golang.org/x/crypto/bcrypt's $2a$ form: the lab hands rclone the same form.
    hash=$(htpasswd -nbB "$repo" "$http" | cut -d: -f2- | sed 's/^\$2y\$/$2a$/')
    secret_line "backup-htpasswd-$repo" "$hash" >>"$SRV_SECRETS"
    secret_line "backup-key-$repo" "$key" >>"$SRV_SECRETS"
    if [ "$repo" = "$FS_REPO" ]; then FS_HTTP=$http; FS_KEY=$key; fi
    printf -v "HTTP_${repo//-/_}" '%s' "$http"; printf -v "KEY_${repo//-/_}" '%s' "$key" # for the drills (drills.sh)
    if [ "$repo" = "$OTHER_REPO" ]; then OTHER_HTTP=$http; fi
done
{
    secret_file backup-ca "$LAB_PKI/ca.pem"
    secret_line backup-http "$FS_HTTP"
    secret_line backup-password "$FS_KEY"
} >"$FS_SECRETS"
chmod 0600 "$SRV_SECRETS" "$FS_SECRETS"

# --- part 1: the rendered steps --------------------------------------------------------------------------------------------
stage() { # <host> <root> <step>
    local host="$1" root="$2" step="$3" src="$R/$1/var/lib/billu/stage/$3" dst="$2/var/lib/billu/stage/$3" p
    [ -f "$src/run.sh" ] || lab_die "no rendered step $step on $host ($src/run.sh)"
    mkdir -p "$dst/files"
    cp "$src/run.sh" "$src/billu-lib.sh" "$dst/"
    for p in $(grep -h "^billu_install '" "$src/run.sh" | cut -d"'" -f2); do install -D -m 0644 "$R/$host$p" "$dst/files$p"; done
}
step_ok() { # <root> <ns> <step> <secrets> <what>
    if host_enter "$1" "$2" sh "/var/lib/billu/stage/$3/run.sh" <"$4" >>"$1/lab/step.log" 2>&1; then lab_log "step $3 ran on $5"
    else sed 's/^/    /' "$1/lab/step.log" >&2; lab_die "the rendered step $3 failed on $5"; fi
}
stage "$SRV" "$SRV_ROOT" backup-server
stage "$FS" "$FS_ROOT" backup-client
step_ok "$SRV_ROOT" "$LAB-srv" backup-server "$SRV_SECRETS" "$SRV"
listening() { ip netns exec "$LAB-srv" ss -Hltn "sport = :$PORT" | grep -q LISTEN; }
lab_wait 15 "$SRV listens on tcp/$PORT" listening || { tail -20 "$SRV_ROOT/lab/server.log" >&2; lab_die "rclone serve restic does not listen"; }
step_ok "$FS_ROOT" "$LAB-fs" backup-client "$FS_SECRETS" "$FS"

# A second run of the server's step installs nothing and restarts nothing.
restarts=$(grep -c '^restart' "$SRV_ROOT/lab/systemctl.log" || true)
: >"$SRV_ROOT/lab/step.log"
host_enter "$SRV_ROOT" "$LAB-srv" sh /var/lib/billu/stage/backup-server/run.sh <"$SRV_SECRETS" >>"$SRV_ROOT/lab/step.log" 2>&1 || lab_die "the server's step failed on its second run"
quiet() { [ "$(grep -c '^restart' "$SRV_ROOT/lab/systemctl.log" || true)" = "$restarts" ] && ! grep -q 'updated' "$SRV_ROOT/lab/step.log"; }
lab_expect "a second run of the server's step installs nothing and restarts nothing" pass quiet

# Read back every installed file against the dev stack's synth output: the client's files are in its base step there.
lab_expected dev
# shellcheck disable=SC2034 # LAB_ENTER and LAB_SECRETS are read by lab_readback (common.sh)
readback_host() { # <host> <root> <ns> <secrets> <step>
    local p
    LAB_ENTER=(host_enter "$2" "$3"); LAB_SECRETS="$4"
    for p in $(grep -h "^billu_install '" "$R/$1/var/lib/billu/stage/$5/run.sh" | cut -d"'" -f2); do lab_readback dev "$1" "$p" "$p"; done
    LAB_ENTER=()
}
readback_host "$SRV" "$SRV_ROOT" "$LAB-srv" "$SRV_SECRETS" backup-server
readback_host "$FS" "$FS_ROOT" "$LAB-fs" "$FS_SECRETS" backup-client
mode_of() { stat -c '%a %U:%G' "$1"; }
lab_expect "$REPO_ROOT is 0700 root:root on the server (got $(mode_of "$SRV_ROOT$REPO_ROOT"))" pass test "$(mode_of "$SRV_ROOT$REPO_ROOT")" = "700 root:root"

restic_srv() { # <repo> <restic args...>: restic on the server, with the repository key the server's step installed
    local repo="$1"; shift
    host_enter "$SRV_ROOT" "$LAB-srv" restic -r "$REPO_ROOT/$repo" --password-file "/etc/billu/backup/keys/$repo" "$@"
}
# Parts 4 and 5 (the drills) need only part 1's server. Each runs once (drill_once); a sabotage run of a drill
# (BBK_SABOTAGE, labs/backup/sabotage.txt) runs the sabotaged drill first, here, so that it reaches its failing probe
# without the files drill and the other drill before it (CI: about a minute less per run). The normal run's order
# is parts 2, 3, 4, 5.
DRILLS_DONE=()
drill_once() { # <mail|directory>
    case " ${DRILLS_DONE[*]} " in *" $1 "*) return 0 ;; esac
    [ "${#DRILLS_DONE[@]}" -gt 0 ] || drill_facts
    DRILLS_DONE+=("$1")
    "drill_$1"
}
case "${BBK_SABOTAGE:-}" in
    group | sysvol) drill_once directory ;;
    mailpath) drill_once mail ;;
esac

if lab_sabotage; then
    lab_log "SABOTAGE: --append-only removed from the installed server unit, the server restarted"
    sed -i 's/ --append-only//' "$SRV_ROOT/etc/systemd/system/billu-backup-server.service"
    host_enter "$SRV_ROOT" "$LAB-srv" systemctl restart billu-backup-server.service
    lab_wait 15 "$SRV listens again" listening || true
fi

# --- part 2: the files drill -------------------------------------------------------------------------------------------------
if [ "${BBK_SABOTAGE:-}" = stale ]; then
    # restic as the client's job sees it, with its clock 26 h behind: every snapshot it makes is stamped then.
    STALE_AT=$(date -d '26 hours ago' '+%Y-%m-%d %H:%M:%S')
    lab_log "SABOTAGE: the client's restic stamps its snapshots $STALE_AT (26 h ago)"
    printf '#!/bin/sh\n# Lab sabotage (BBK_SABOTAGE=stale): backups stamped 26 h ago.\nfor a; do shift; set -- "$@" "$a"; [ "$a" = backup ] && set -- "$@" --time "%s"; done\nexec %s "$@"\n' \
        "$STALE_AT" "$(command -v restic)" >"$LAB_DIR/bin/restic"
    chmod 0755 "$LAB_DIR/bin/restic"
fi
S="$FS_ROOT$MOUNT"
gid=12000
for share in $SHARES; do
    gid=$((gid + 1))
    d="$S/$share"
    mkdir -p "$d/sub"
    chown "0:$gid" "$d" "$d/sub"; chmod 2770 "$d"; chmod 2750 "$d/sub"
    setfacl -m "g:$gid:rwx,g:$((gid + 500)):rx" "$d"
    setfacl -d -m "g:$gid:rwx,g:$((gid + 500)):rx" "$d"
    head -c $((200000 + gid)) /dev/urandom >"$d/report-$share.bin"
    printf 'minutes of %s\n' "$share" >"$d/sub/notes.txt"
    chown "$((gid + 1000)):$gid" "$d/report-$share.bin" "$d/sub/notes.txt"
    chmod 0640 "$d/report-$share.bin"; chmod 0600 "$d/sub/notes.txt"
    setfacl -m "u:$((gid + 2000)):r" "$d/sub/notes.txt"
    setfattr -n user.billu.department -v "$share" "$d/report-$share.bin"
    setfattr -n user.billu.classification -v internal "$d/sub/notes.txt"
done
# manifest <root>: per path below it, type, sha256, mode, owner, group, ACL and user xattrs (sorted).
manifest() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
        sum=-; [ -f "$p" ] && sum=$(sha256sum <"$p" | cut -c1-64)
        printf '%s %s %s %s\n' "$p" "$(stat -c '%F %a %u %g' "$p")" "$sum" "$(getfacl -cp "$p" 2>/dev/null | grep -v '^$' | tr '\n' ,)$(getfattr -d -m '^user\.' --absolute-names "$p" 2>/dev/null | grep -v '^#' | grep -v '^$' | LC_ALL=C sort | tr '\n' ,)"
    done)
}
manifest "$S" >"$LAB_DIR/before.manifest"
files=$(grep -c ' regular file ' "$LAB_DIR/before.manifest" || true)
lab_log "share tree: $(wc -l <"$LAB_DIR/before.manifest") paths, $files files, $(du -sb "$S" | cut -f1) bytes"

job() { # runs the installed unit's ExecStart in the client's namespaces
    local cmd; cmd=$(sed -n 's/^ExecStart=//p' "$FS_ROOT/etc/systemd/system/billu-backup.service")
    host_enter "$FS_ROOT" "$LAB-fs" "$cmd"
}
t=$(date +%s%N)
rc=0; job >"$LAB_DIR/backup1.log" 2>&1 || rc=$?
lab_fig "backup of $MOUNT ($files files) from $FS through the router" "$(lab_since "$t") ms"
lab_expect "the installed backup job of $FS exits 0 (got $rc)" pass test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/    /' "$LAB_DIR/backup1.log" >&2
snap=$( (restic_srv "$FS_REPO" snapshots --tag billu --json 2>/dev/null || echo '[]') | node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(s.length?s[s.length-1].short_id:"")')
lab_expect "the server holds a snapshot of $FS tagged billu in $REPO_ROOT/$FS_REPO (got ${snap:-none})" pass test -n "$snap"
lab_fig "repository $FS_REPO size on the server" "$(du -sb "$SRV_ROOT$REPO_ROOT/$FS_REPO" | cut -f1) bytes"

# The result: the server's report writes the client's last result where monitoring reads it.
host_enter "$SRV_ROOT" "$LAB-srv" /usr/local/lib/billu/backup/report.sh >"$LAB_DIR/report.log" 2>&1 || true
result="$SRV_ROOT$RESULT_DIR/$FS_REPO.json"
result_ok() { node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
process.exit(r.exitStatus === 0 && r.host === process.argv[2] && r.snapshot.startsWith(process.argv[3]) && r.bytes > 0 && r.started ? 0 : 1)' "$result" "$FS" "$snap"; }
lab_expect "$RESULT_DIR/$FS_REPO.json on the server: exit status 0, snapshot $snap, size and time ($(head -c 200 "$result" 2>/dev/null))" pass result_ok
prune_ok() { host_enter "$SRV_ROOT" "$LAB-srv" /usr/local/lib/billu/backup/prune.sh && restic_srv "$FS_REPO" snapshots --tag billu --json | grep -q "$snap"; }
lab_expect "pruning on the server (the model's retention) runs and keeps today's snapshot" pass prune_ok

# --- part 2b: the acceptance run's backup scenario (tools/acceptance/scenarios/backup.ts) from the admin host ------------------
# From $ADM_ADDR in the server's zone (the model's flow management -> PAR-BKP01 restic-rest), as `npm run acceptance
# -- --only backup` runs on a real site, with BILLU_BACKUP_CLIENTS=$FS (the lab backs up that client here). Lab overrides:
# the outputs hold the lab's throwaway CA as caCertPem and the lab's per-run passwords as the secret backupCredentials
# (0600 file). It passes: $FS's newest snapshot within its RPO, a test file restored and compared, the marker. The file
# it restored has the SHA-256 of that file on the client; no secret in its report or log; its temporary folder is gone;
# the repository on the server is byte for byte as before (nothing written or left behind). A client never backed up
# ($NOREPO_CLIENT) fails with its missing repository (exit 1).
for repo in $ALL_REPOS; do v="HTTP_${repo//-/_}"; k="KEY_${repo//-/_}"; printf '%s\t%s\t%s\n' "$repo" "${!v}" "${!k}"; done >"$LAB_DIR/creds.tsv"
chmod 0600 "$LAB_DIR/creds.tsv"
(umask 077; node -e 'const fs = require("fs");
const creds = Object.fromEntries(fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split("\t")).map(([r, password, key]) => [r, { password, key }]));
fs.writeFileSync(process.argv[3], JSON.stringify({ caCertPem: fs.readFileSync(process.argv[2], "utf8"), backupCredentials: JSON.stringify(creds) }), { mode: 0o600 });' \
    "$LAB_DIR/creds.tsv" "$LAB_PKI/ca.pem" "$LAB_DIR/outputs-acc.json")
rm -f "$LAB_DIR/creds.tsv"
mkdir -p "$LAB_DIR/acc-tmp"
acceptance() { # <report dir> <clients>: the backup scenario from the admin host; exit code of the run
    ip netns exec "$LAB-adm" env -u BILLU_ACCEPTANCE_PASSWORD BILLU_BACKUP_CLIENTS="$2" BILLU_PROJECT_ROOT="$LAB_ROOT" TMPDIR="$LAB_DIR/acc-tmp" \
        node "$LAB_ROOT/dist/tools/acceptance.js" --stack dev --config "$LAB_ROOT/Pulumi.dev.yaml" --outputs "$LAB_DIR/outputs-acc.json" \
        --only backup --report "$1" >"$1.log" 2>&1
}
acceptance_exit() { # <exit code> <report dir> <clients>: the run's exit code is the one given (else its log, to stderr)
    local rc=0
    acceptance "$2" "$3" || rc=$?
    [ "$rc" = "$1" ] || sed 's/^/    | /' "$2.log" >&2
    test "$rc" = "$1"
}
repo_state() { (cd "$SRV_ROOT$REPO_ROOT/$FS_REPO" && find . -type f -printf '%p %s %T@\n' | LC_ALL=C sort | sha256sum); }
REPO_BEFORE=$(repo_state)
t=$(date +%s%N)
lab_expect "acceptance: the backup scenario passes for $FS from $ADM_ADDR (exit 0)" pass acceptance_exit 0 "$LAB_DIR/acceptance" "$FS"
lab_fig "acceptance run of the backup scenario (3 steps)" "$(lab_since "$t") ms"
sed 's/^/    /' "$LAB_DIR/acceptance.log"
lab_expect "acceptance: its JUnit report has 3 steps, no failure" pass grep -q '<testsuites [^>]*tests="3" failures="0"' "$LAB_DIR/acceptance/acceptance.xml"
RESTORED=$(grep -o "$MOUNT/[^ ]* restored ([0-9]* bytes, sha256 [0-9a-f]\{64\})" "$LAB_DIR/acceptance.log" | head -n 1)
restored_sum() { local t="${RESTORED##*sha256 }"; echo "${t%)}"; } # the SHA-256 the report gives
restored_same() { [ -n "$RESTORED" ] && [ "$(sha256sum <"$FS_ROOT${RESTORED%% *}" | cut -c1-64)" = "$(restored_sum)" ]; }
lab_expect "acceptance: the file it restored (${RESTORED:-none}) has the SHA-256 of that file on $FS" pass restored_same
lab_expect "acceptance: its report and log show no password or key of $FS" fail grep -rqF -e "$FS_HTTP" -e "$FS_KEY" "$LAB_DIR/acceptance" "$LAB_DIR/acceptance.log"
lab_expect "acceptance: nothing left in its temporary folder" pass test -z "$(ls -A "$LAB_DIR/acc-tmp")"
lab_expect "acceptance: the repository $FS_REPO on the server is byte for byte as before (nothing written or left behind)" pass test "$(repo_state)" = "$REPO_BEFORE"
lab_expect "acceptance: with $NOREPO_CLIENT (never backed up here) it fails (exit 1)" pass acceptance_exit 1 "$LAB_DIR/acceptance-norepo" "$FS,$NOREPO_CLIENT"
norepo=$(tr '[:upper:]' '[:lower:]' <<<"$NOREPO_CLIENT")
lab_expect "acceptance: ... naming its missing repository" pass grep -q "FAIL $NOREPO_CLIENT: .*observed $norepo: no repository on $SRV" "$LAB_DIR/acceptance-norepo.log"

# Damage: delete a share's files, modify another's.
# shellcheck disable=SC2086 # the model's share names: one word each
set -- $SHARES
rm -rf "${S:?}/$1"
printf 'tampered\n' >>"$S/$2/sub/notes.txt"
chmod 0666 "$S/$2/report-$2.bin"; setfacl -b "$S/$2"
manifest "$S" >"$LAB_DIR/damaged.manifest"
lab_expect "the damage changed the tree (control)" fail cmp -s "$LAB_DIR/before.manifest" "$LAB_DIR/damaged.manifest"

TARGET=/srv/restore-drill
t=$(date +%s%N)
rc=0; host_enter "$FS_ROOT" "$LAB-fs" /usr/local/lib/billu/backup/restore.sh latest "$TARGET" >"$LAB_DIR/restore.log" 2>&1 || rc=$?
lab_fig "restore of $MOUNT on $FS" "$(lab_since "$t") ms"
lab_expect "restore.sh latest $TARGET exits 0 (got $rc)" pass test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/    /' "$LAB_DIR/restore.log" >&2
manifest "$FS_ROOT$TARGET$MOUNT" >"$LAB_DIR/restored.manifest" 2>/dev/null || true
lab_expect "every path restored with its checksum, mode, owner, group, ACL and xattrs ($(wc -l <"$LAB_DIR/before.manifest") paths)" pass cmp -s "$LAB_DIR/before.manifest" "$LAB_DIR/restored.manifest"
cmp -s "$LAB_DIR/before.manifest" "$LAB_DIR/restored.manifest" || diff "$LAB_DIR/before.manifest" "$LAB_DIR/restored.manifest" | head -10 | cut -c1-200 | sed 's/^/    /' >&2

# --- part 3: what a client must not do -----------------------------------------------------------------------------------------
client_restic() { host_enter "$FS_ROOT" "$LAB-fs" env RESTIC_REPOSITORY_FILE=/etc/billu/backup/repository RESTIC_PASSWORD_FILE=/etc/billu/backup/password restic --cacert /etc/billu/backup/ca.pem "$@"; }
rc=0; client_restic forget "$snap" >"$LAB_DIR/forget.log" 2>&1 || rc=$?
lab_log "client restic forget $snap: exit $rc ($(grep -m1 -iE 'fatal|forbidden|denied|error' "$LAB_DIR/forget.log" | cut -c1-160))"
still_there() { restic_srv "$FS_REPO" snapshots --json | grep -q "\"short_id\":\"$snap\""; }
lab_expect "the client's restic forget of $snap is refused by the append-only server (exit $rc)" fail test "$rc" = 0
lab_expect "snapshot $snap is still on the server after the client's forget" pass still_there
other_repo() { # the client's own login against another client's repository
    host_enter "$FS_ROOT" "$LAB-fs" env RESTIC_REPOSITORY="rest:https://$FS_REPO:$FS_HTTP@$FQDN:$PORT/$OTHER_REPO/" RESTIC_PASSWORD=x restic --cacert /etc/billu/backup/ca.pem init
}
lab_expect "$FS's login cannot create or open $OTHER_REPO's repository (--private-repos)" fail other_repo
: "${OTHER_HTTP:?}"

# A wrong repository key: restore.sh fails with its message and leaves nothing behind.
printf 'not-the-key\n' >"$FS_ROOT/etc/billu/backup/wrong-password"
sed "s|^BACKUP_PASSWORD_FILE=.*|BACKUP_PASSWORD_FILE='/etc/billu/backup/wrong-password'|" "$FS_ROOT/etc/billu/backup/client.env" >"$FS_ROOT/etc/billu/backup/wrong.env"
WRONG=/srv/restore-wrong-key
rc=0; host_enter "$FS_ROOT" "$LAB-fs" env BILLU_BACKUP_ENV=/etc/billu/backup/wrong.env /usr/local/lib/billu/backup/restore.sh latest "$WRONG" >"$LAB_DIR/wrong.log" 2>&1 || rc=$?
lab_log "restore with a wrong key: exit $rc: $(grep billu-restore "$LAB_DIR/wrong.log" | cut -c1-200)"
lab_expect "restore.sh with a wrong repository key exits 1 (got $rc)" pass test "$rc" = 1
lab_expect "its message says the key does not open the repository" pass grep -q "does not open the repository: nothing was restored" "$LAB_DIR/wrong.log"
nothing_left() { [ ! -e "$FS_ROOT$WRONG" ] && ! ls -d "$FS_ROOT"/srv/.billu-restore.* >/dev/null 2>&1; }
lab_expect "nothing half-restored is left (no $WRONG, no staging folder)" pass nothing_left

# --- parts 4 and 5: the directory and mail drills (labs/backup/drills.sh) ---------------------------------------------------
drill_once mail
drill_once directory

lab_fig "whole lab" "$(lab_since "$T0") ms"
lab_finish
