# billu-vpn-link-<tunnel> (installed by components/vpn, run by the vpn step and its systemd unit before charon):
# the tunnel's route-based interface and the routes to the peer's networks, idempotent. In production it creates an
# XFRM interface bound to the SAs' interface id; an interface of that name that already exists is kept (a second
# run, or the lab, where strongSwan's userspace backend creates a TUN of the same name first).
# Data: IF (the interface), WAN_IF and IF_ID (what it is bound to), SOURCE (this end's address inside its traffic
# selectors: the router's own traffic leaves from it), NETWORKS (the peer's networks, space-separated).
set -eu
if ! ip link show dev "$IF" >/dev/null 2>&1; then
    ip link add "$IF" type xfrm dev "$WAN_IF" if_id "$IF_ID"
fi
ip link set dev "$IF" mtu 1400 up
for net in $NETWORKS; do
    ip route replace "$net" dev "$IF" src "$SOURCE"
done
