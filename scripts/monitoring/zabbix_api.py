"""zabbix_api.py: what the `monitoring-config` step's two API clients share (zabbix-config.py, zabbix-access.py).

The step (scripts/monitoring/config-step.sh) ships this module beside them, in /usr/local/lib/billu/monitoring
(components/monitoring/render.ts `configStepFiles`): Python puts a script's own folder first on its import path, so
`import zabbix_api` finds it there and in scripts/monitoring alike. Not a command of its own.

  Api            a Zabbix 6.0 JSON-RPC client over urllib (the session token in `auth`, as 6.0 takes it)
  InputError     bad input: the clients exit 2
  ApiError       the API refused a call (`refused`) or did not answer: the clients exit 3
  read_document  the rendered configuration document (components/monitoring/zabbix-config.ts), version 1
  key_values     `name=value` lines (credentials, secrets on stdin)
  same/differing the comparison that decides whether an object is updated (what makes a second run change nothing)
  summary        the clients' last line: `<prog>: no change` or `<prog>: N change(s)` (the step greps it)
  exit_status    a client's run with its errors mapped to exit statuses, each message on stderr after `<prog>: `

Standard library only: Debian's python3 is enough.
"""

import json
import sys
import urllib.error
import urllib.request

# The document version the clients read (zabbix-config.ts renders `version: 1`).
DOCUMENT_VERSION = 1


class InputError(Exception):
    """Bad input (document, credentials, PSKs, stdin): exit 2."""


class ApiError(Exception):
    """The API refused a call (refused=True: it answered with an error) or did not answer: exit 3."""

    def __init__(self, text, refused=False):
        Exception.__init__(self, text)
        self.refused = refused


class Api:
    def __init__(self, url, timeout=60):
        self.url = url
        self.timeout = timeout
        self.auth = None
        self.next_id = 1

    def call(self, method, params):
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self.next_id}
        self.next_id += 1
        if self.auth is not None and method not in ("user.login", "apiinfo.version"):
            body["auth"] = self.auth
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json-rpc"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                answer = json.loads(resp.read().decode())
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise ApiError("%s: cannot reach the Zabbix API at %s: %s" % (method, self.url, e))
        if "error" in answer:
            err = answer["error"]
            raise ApiError("%s refused: %s %s" % (method, err.get("message", ""), err.get("data", "")), refused=True)
        return answer["result"]

    def login(self, username, password):
        """The session's token, or None when Zabbix refuses the name or password (any other failure raises)."""
        try:
            return self.call("user.login", {"username": username, "password": password})
        except ApiError as e:
            if e.refused:
                return None
            raise


def key_values(text):
    """`name=value` lines as a dict (names stripped, values verbatim; lines without `=` skipped)."""
    values = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            values[k.strip()] = v
    return values


def read_document(path):
    """The rendered configuration document: a JSON object of DOCUMENT_VERSION, or InputError naming the fix."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError("--document %s: not a readable JSON document (%s). Fix: pass the rendered zabbix-config.json" % (path, e))
    version = doc.get("version") if isinstance(doc, dict) else None
    if version != DOCUMENT_VERSION:
        raise InputError(
            "--document %s: version %r, this step reads version %d. Fix: render the document and the step from one synth"
            % (path, version, DOCUMENT_VERSION)
        )
    return doc


def same(want, have):
    """True when every field of `want` is in `have` with the same value (numbers and strings compared as text;
    lists as multisets of such sub-matches, of equal length)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and same(v, have[k]) for k, v in want.items())
    if isinstance(want, list):
        if not isinstance(have, list) or len(want) != len(have):
            return False
        left = list(have)
        for w in want:
            hit = next((i for i, h in enumerate(left) if same(w, h)), None)
            if hit is None:
                return False
            left.pop(hit)
        return True
    return str(want) == str(have)


def differing(want, have):
    """The fields of `want` that `have` lacks or holds with another value, sorted (named in `updated ... (fields)`)."""
    return sorted(k for k, v in want.items() if not (k in have and same(v, have[k])))


def summary(prog, changes):
    return "%s: %s" % (prog, "no change" if changes == 0 else "%d change(s)" % changes)


def exit_status(prog, body, more=()):
    """Runs body(): 0 when it returns; an InputError 2, an ApiError 3, each (exception class, status) of `more` its
    status, with the message on stderr as `<prog>: <message>`. Anything else is a bug and keeps its traceback."""
    codes = [(InputError, 2), (ApiError, 3)] + list(more)
    try:
        body()
        return 0
    except tuple(c for c, _ in codes) as e:
        print("%s: %s" % (prog, e), file=sys.stderr)
        return next(status for c, status in codes if isinstance(e, c))
