command -v nft >/dev/null || billu_apt_install nftables
if billu_changed /etc/sysctl.d/90-billu-router.conf; then sysctl -q -p /etc/sysctl.d/90-billu-router.conf; fi
# nftables.service loads /etc/nftables.conf at boot: the ruleset survives a reboot.
systemctl enable -q nftables
# nft -f replaces the whole ruleset in one transaction: no moment without rules.
if billu_changed /etc/nftables.conf || ! nft list table inet billu >/dev/null 2>&1; then nft -f /etc/nftables.conf; billu_log 'ruleset applied'; fi
