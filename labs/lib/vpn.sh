# shellcheck shell=bash
# labs/lib/vpn.sh: BillU's and Ecotech's routers (PAR-FW01 of prod, ECO-FW01 of ecotech) with their rendered nftables
# rulesets and the site-to-site tunnel between them, as labs/vpn first built them; labs/vpn and labs/trust share it
# (labs that share a set-up share it). Source it after common.sh.
#
# Each router is a namespace; a tag (par, eco) names it. The caller fills VPN_NS[<tag>] (the router's namespace) and
# VPN_RUN (a folder) first. Per tag, the rendered router files live in $VPN_RUN/<tag>:
#   vpn_router_nics   the router's NICs as the model names them (its ruleset runs unchanged)
#   vpn_prepare_site  the rendered sysctl, ruleset, charon settings, connection, link script and step library,
#                     installed as their steps declare them and read back; the lab's strongswan.conf (override 1 of
#                     labs/vpn: the plugin list with kernel-libipsec, its own VICI socket and log) including them
#   vpn_fill_secrets  the key through the rendered library's billu_subst (the secret channel), into a 0600 file
#   vpn_load_ruleset  sysctl, `nft -c`, `nft -f` of the installed files
#   vpn_start_charon / vpn_load_conf / vpn_sas / vpn_installed / vpn_stop_charon: charon-systemd (userspace ESP:
#                     kernel-libipsec, whose TUN is named ipsec0 like production's XFRM interface) and swanctl
# Facts (router names, NICs, tunnel, WAN addresses) come from the stacks' outputs, never from the rendered files.

# VPN_STACK and VPN_HOST: each tag's read-back reference and router name (for the caller's own read-backs).
# shellcheck disable=SC2034
declare -A VPN_NS=() VPN_PID=() VPN_STACK=() VPN_HOST=()
VPN_RUN=""

# vpn_router_facts <prod outputs dir> <ecotech outputs dir>: shell assignments <TAG>_FW, <TAG>_NICS ("ifname,zone,address"
# ...), <TAG>_NETS, <TAG>_TUNNEL, <TAG>_WAN_GW, <TAG>_WAN_ADDR for TAG PAR (prod) and ECO (ecotech).
vpn_router_facts() {
    # shellcheck disable=SC2016 # a JavaScript program: its ${...} are node's, not the shell's
    node -e '
const fs = require("fs");
const out = [];
const sh = (k, v) => out.push(`${k}=${JSON.stringify(String(v))}`);
for (const [tag, dir] of [["PAR", process.argv[1]], ["ECO", process.argv[2]]]) {
    const o = JSON.parse(fs.readFileSync(dir + "/outputs.json", "utf8"));
    const fw = o.hosts.find((h) => h.role === "firewall");
    sh(`${tag}_FW`, fw.name);
    sh(`${tag}_NICS`, fw.nics.map((n) => `${n.ifname},${n.zone},${n.address}`).join(" "));
    sh(`${tag}_NETS`, o.vpnPeer.networks.join(", "));
    sh(`${tag}_TUNNEL`, o.vpnPeer.tunnel);
    const wan = o.zones.find((z) => z.name === "wan");
    sh(`${tag}_WAN_GW`, wan.gateway);
    sh(`${tag}_WAN_ADDR`, wan.routerAddress);
}
console.log(out.join("\n"));
' "$1" "$2"
}

# vpn_router_nics <router ns> <nics> <WAN ns> <its ifname in the WAN ns> [<zone>=<peer ns>|<zone>=switch]...: every NIC
# of the router with its rendered name and address. The wan zone links to the WAN namespace; a zone given a peer
# namespace gets a veth to that namespace's eth0 (its address and route are the caller's); "switch" plugs it into the
# lab switch (lab_switch); any other zone ends in a stub veth inside the router, so each interface the ruleset names
# exists.
vpn_router_nics() {
    local ns="$1" nics="$2" wan_ns="$3" wan_if="$4"; shift 4
    local spec ifname zone addr peer m n=0
    for spec in $nics; do
        IFS=, read -r ifname zone addr <<<"$spec"
        peer=""
        for m in "$@"; do [ "${m%%=*}" = "$zone" ] && peer="${m#*=}"; done
        if [ "$zone" = wan ]; then
            lab_link "$ns" "$ifname" "$addr" "$wan_ns" "$wan_if" -
        elif [ "$peer" = switch ]; then
            lab_link "$ns" "$ifname" "$addr" "$LAB-sw" "p-${ns: -3}$n" -
            ip -n "$LAB-sw" link set "p-${ns: -3}$n" master br0
        elif [ -n "$peer" ]; then
            lab_link "$ns" "$ifname" "$addr" "$peer" eth0 -
        else
            ip -n "$ns" link add "$ifname" type veth peer name "s$n"
            ip -n "$ns" addr add "$addr" dev "$ifname"
            ip -n "$ns" link set "$ifname" up; ip -n "$ns" link set "s$n" up
        fi
        n=$((n + 1))
    done
}

# vpn_prepare_site <tag> <reference> <synth dir> <router> <tunnel>: the router's rendered files installed in
# $VPN_RUN/<tag> as their steps declare them, each read back against <reference> (lab_expected/lab_reference), and the
# lab's strongswan.conf and swanctl.conf that include them.
vpn_prepare_site() {
    local tag="$1" stack="$2" dir="$3/rendered/$4" tunnel="$5" d="$VPN_RUN/$1" f to
    VPN_STACK[$tag]=$stack; VPN_HOST[$tag]=$4
    mkdir -p "$d"
    for f in /etc/sysctl.d/90-billu-router.conf /etc/nftables.conf /etc/strongswan.d/billu-vpn.conf \
        "/etc/swanctl/conf.d/billu-$tunnel.conf" "/usr/local/sbin/billu-vpn-link-$tunnel"; do
        to="$d/$(basename "$f")"
        [ "$f" != /etc/sysctl.d/90-billu-router.conf ] || to="$d/sysctl.conf"
        lab_install_declared "$dir" "$f" "$to"
        lab_readback "$stack" "$4" "$f" "$to"
    done
    # The step's library (its billu_subst fills the secrets file), staged and read back; the secrets file with its
    # placeholder is staged too (the caller reads it back once filled).
    cp "$dir/var/lib/billu/stage/vpn/billu-lib.sh" "$d/billu-lib.sh"
    lab_readback "$stack" "$4" /var/lib/billu/stage/vpn/billu-lib.sh "$d/billu-lib.sh" bytes
    cp "$dir/etc/swanctl/conf.d/billu-$tunnel.secrets.conf" "$d/billu-$tunnel.secrets.conf"
    cat >"$d/strongswan.conf" <<EOC
# labs/vpn override 1: the lab's charon (userspace ESP, own VICI socket and log); the rendered settings included.
charon-systemd {
    journal {
        default = -1
    }
    filelog {
        lab {
            path = $d/charon.log
            time_format = %T
            flush_line = yes
            default = 1
            ike = 2
        }
    }
}
charon {
    load_modular = no
    load = random nonce openssl pem pkcs1 x509 pubkey gcm aes sha2 hmac kdf kernel-libipsec kernel-netlink socket-default vici
    plugins {
        vici {
            socket = unix://$d/charon.vici
        }
    }
}
include $d/billu-vpn.conf
EOC
    printf 'include %s\ninclude %s\n' "$d/billu-$tunnel.conf" "$d/secrets.conf" >"$d/swanctl.conf"
}

# vpn_fill_secrets <tag> <key> <tunnel>: the key through the secret channel (billu_subst of the rendered library).
vpn_fill_secrets() {
    local d="$VPN_RUN/$1"
    printf 'vpn-psk\t%s\n' "$(printf '%s' "$2" | od -An -tx1 | tr -d ' \n')" >"$d/secret-lines"
    # shellcheck disable=SC1091,SC2034 # the rendered library, staged at run time; billu_subst reads BILLU_SECRETS
    ( umask 077; . "$d/billu-lib.sh"; BILLU_SECRETS="$d/secret-lines"; billu_subst "$d/billu-$3.secrets.conf" >"$d/secrets.conf" )
    rm -f "$d/secret-lines"
}

# vpn_load_ruleset <tag>: the installed sysctl file and ruleset applied in the router's namespace (`nft -c` first).
vpn_load_ruleset() {
    local ns="${VPN_NS[$1]}" d="$VPN_RUN/$1"
    ip netns exec "$ns" sysctl -q -p "$d/sysctl.conf" >/dev/null
    ip netns exec "$ns" nft -c -f "$d/nftables.conf" || lab_die "nft -c refuses the rendered ruleset of ${VPN_HOST[$1]}"
    ip netns exec "$ns" nft -f "$d/nftables.conf"
}

# vpn_start_charon <tag> <tunnel>: charon-systemd in the router's namespace, its TUN ipsec0, then the rendered link script.
vpn_start_charon() {
    local s="$1" d="$VPN_RUN/$1" ns="${VPN_NS[$1]}"
    rm -f "$d/charon.vici"
    lab_bg "$ns" "$d/charon.out" env STRONGSWAN_CONF="$d/strongswan.conf" /usr/sbin/charon-systemd
    VPN_PID[$s]=$LAB_LAST_PID
    lab_wait 10 "$s charon VICI socket" test -S "$d/charon.vici" || lab_die "$s charon did not start: $(tail -5 "$d/charon.out")"
    lab_wait 5 "$s tunnel interface ipsec0 (libipsec TUN)" ip -n "$ns" link show ipsec0 || lab_die "no ipsec0 in $s"
    ip netns exec "$ns" sh "$d/billu-vpn-link-$2"
}
vpn_load_conf() {
    ip netns exec "${VPN_NS[$1]}" env STRONGSWAN_CONF="$VPN_RUN/$1/strongswan.conf" swanctl --load-all --noprompt \
        --file "$VPN_RUN/$1/swanctl.conf" --uri "unix://$VPN_RUN/$1/charon.vici" >"$VPN_RUN/$1/load.out" 2>&1
}
vpn_sas() {
    ip netns exec "${VPN_NS[$1]}" env STRONGSWAN_CONF="$VPN_RUN/$1/strongswan.conf" swanctl --list-sas --noblock \
        --uri "unix://$VPN_RUN/$1/charon.vici" 2>/dev/null
}
vpn_installed() { vpn_sas "$1" | grep -q INSTALLED; }
vpn_stop_charon() { kill "${VPN_PID[$1]}" 2>/dev/null || true; wait "${VPN_PID[$1]}" 2>/dev/null || true; }
