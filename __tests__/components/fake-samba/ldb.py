# Stand-in for the ldb bindings (see samba/__init__.py).
SCOPE_ONELEVEL = 1
SCOPE_SUBTREE = 2


def binary_encode(s):
    return "".join("\\%02x" % ord(c) if c in "()*\\" else c for c in s)
