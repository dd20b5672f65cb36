from samba.dcerpc import dnsp, dnsserver


def record_from_string(t, data):
    rec = dnsserver.DNS_RPC_RECORD()
    rec.wType = getattr(dnsp, "DNS_TYPE_" + t)
    rec.dwFlags, rec.dwSerial, rec.dwTtlSeconds, rec.dwTimeStamp = 0xF0, 1, 900, 0
    if t == "A":
        rec.data = data
    elif t == "PTR":
        rec.data = dnsserver.DNS_RPC_NAME(data)
    elif t == "MX":
        server, pref = data.split()
        rec.data = dnsserver.DNS_RPC_RECORD_NAME_PREFERENCE(server, int(pref))
    return rec
