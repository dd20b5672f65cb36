# A stand-in for Samba's Python bindings (python3-samba), just what scripts/dc/billu-samba-dns.py uses, over an
# in-memory DNS server whose state is a JSON file ($FAKE_DNS) and whose every RPC call is appended to $FAKE_DNS_LOG.
# Used by __tests__/components/billu-samba-dns.test.ts; the real bindings are exercised by the dc and mail labs.


class WERRORError(RuntimeError):
    pass
