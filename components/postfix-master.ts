/**
 * Postfix's master(5) as Debian ships it, shared by the two Postfix hosts (the mail server, components/mail/postfix.ts;
 * the inbound relay, components/mx/render.ts): the column layout, the port 25 listener, and Postfix's internal
 * services, none chrooted.
 */

/** One master.cf service line, its columns padded as in Debian's file. */
export function masterLine(name: string, type: string, priv: string, unpriv: string, chroot: string, wakeup: string, max: string, command: string): string {
    return [name.padEnd(10), type.padEnd(5), priv.padEnd(7), unpriv.padEnd(7), chroot.padEnd(7), wakeup.padEnd(7), max.padEnd(7), command].join(" ").trimEnd();
}

/**
 * The head of master.cf: the column comment and the smtp listener on port 25. With `postscreen` (the relay, which the
 * internet reaches) postscreen(8) owns port 25 and hands the clients that pass its tests to smtpd (POSTSCREEN_README,
 * "Turning on postscreen(8) without blocking mail"); without it smtpd listens itself (the mail server, which only
 * the relay and internal hosts reach).
 */
export function smtpListener(o: { readonly postscreen?: boolean } = {}): string[] {
    const svc = masterLine;
    return [
        "# service   type  private unpriv  chroot  wakeup  maxproc command + args",
        ...(o.postscreen
            ? [svc("smtp", "inet", "n", "-", "n", "-", "1", "postscreen"), svc("smtpd", "pass", "-", "-", "n", "-", "-", "smtpd")]
            : [svc("smtp", "inet", "n", "-", "n", "-", "-", "smtpd")]),
    ];
}

/**
 * Postfix's own services after the listeners: the queue, bounces, the outbound `smtp` and `relay` clients... The mail
 * server adds `proxywrite` (its LDAP tables) and `lmtp` (delivery to Dovecot); the relay needs neither, but its
 * postscreen needs `tlsproxy` (STARTTLS from a client postscreen has not handed to smtpd yet), and `dnsblog` when it
 * asks DNS block lists (POSTSCREEN_README: postscreen sends each lookup to dnsblog; without the service it asks nothing
 * and every client passes, silently: labs/mail's first DNSBL run found it so).
 */
export function internalServices(
    o: { readonly proxywrite?: boolean; readonly lmtp?: boolean; readonly tlsproxy?: boolean; readonly dnsblog?: boolean } = {},
): string[] {
    const svc = masterLine;
    return [
        svc("pickup", "unix", "n", "-", "n", "60", "1", "pickup"),
        svc("cleanup", "unix", "n", "-", "n", "-", "0", "cleanup"),
        svc("qmgr", "unix", "n", "-", "n", "300", "1", "qmgr"),
        svc("tlsmgr", "unix", "-", "-", "n", "1000?", "1", "tlsmgr"),
        ...(o.tlsproxy ? [svc("tlsproxy", "unix", "-", "-", "n", "-", "0", "tlsproxy")] : []),
        ...(o.dnsblog ? [svc("dnsblog", "unix", "-", "-", "n", "-", "0", "dnsblog")] : []),
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
