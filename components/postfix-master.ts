/**
 * Postfix's master(5) as Debian ships it, shared by the two Postfix hosts (the mail server, components/mail/postfix.ts;
 * the inbound relay, components/mx/render.ts): the column layout, and Postfix's internal services, none chrooted.
 */

/** One master.cf service line, its columns padded as in Debian's file. */
export function masterLine(name: string, type: string, priv: string, unpriv: string, chroot: string, wakeup: string, max: string, command: string): string {
    return [name.padEnd(10), type.padEnd(5), priv.padEnd(7), unpriv.padEnd(7), chroot.padEnd(7), wakeup.padEnd(7), max.padEnd(7), command].join(" ").trimEnd();
}

/**
 * Postfix's own services after the listeners: the queue, bounces, the outbound `smtp` and `relay` clients... The mail
 * server adds `proxywrite` (its LDAP tables) and `lmtp` (delivery to Dovecot); the relay needs neither.
 */
export function internalServices(o: { readonly proxywrite?: boolean; readonly lmtp?: boolean } = {}): string[] {
    const svc = masterLine;
    return [
        svc("pickup", "unix", "n", "-", "n", "60", "1", "pickup"),
        svc("cleanup", "unix", "n", "-", "n", "-", "0", "cleanup"),
        svc("qmgr", "unix", "n", "-", "n", "300", "1", "qmgr"),
        svc("tlsmgr", "unix", "-", "-", "n", "1000?", "1", "tlsmgr"),
        svc("rewrite", "unix", "-", "-", "n", "-", "-", "trivial-rewrite"),
        svc("bounce", "unix", "-", "-", "n", "-", "0", "bounce"),
        svc("defer", "unix", "-", "-", "n", "-", "0", "bounce"),
        svc("trace", "unix", "-", "-", "n", "-", "0", "bounce"),
        svc("verify", "unix", "-", "-", "n", "-", "1", "verify"),
        svc("flush", "unix", "n", "-", "n", "1000?", "0", "flush"),
        svc("proxymap", "unix", "-", "-", "n", "-", "-", "proxymap"),
        ...(o.proxywrite ? [svc("proxywrite", "unix", "-", "-", "n", "-", "1", "proxymap")] : []),
        svc("smtp", "unix", "-", "-", "n", "-", "-", "smtp"),
        svc("relay", "unix", "-", "-", "n", "-", "-", "smtp"),
        "  -o syslog_name=postfix/$service_name",
        svc("showq", "unix", "n", "-", "n", "-", "-", "showq"),
        svc("error", "unix", "-", "-", "n", "-", "-", "error"),
        svc("retry", "unix", "-", "-", "n", "-", "-", "error"),
        svc("discard", "unix", "-", "-", "n", "-", "-", "discard"),
        ...(o.lmtp ? [svc("lmtp", "unix", "-", "-", "n", "-", "-", "lmtp")] : []),
        svc("anvil", "unix", "-", "-", "n", "-", "1", "anvil"),
        svc("scache", "unix", "-", "-", "n", "-", "1", "scache"),
        svc("postlog", "unix-dgram", "n", "-", "n", "-", "1", "postlogd"),
    ];
}
