#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks of the network-namespace demo (scripts/netns-demo.sh). Each
prints one line per assertion, "ok - TEXT: ..." or "FAIL - TEXT: ...",
and exits 1 if any failed.

Usage:
  netns_check.py check RECEIVED ORIGINAL --policy default|payments --what TEXT
      RECEIVED must be ORIGINAL (made by netns_data.py, with its
      ORIGINAL.values.json) with every value masked exactly as the
      policy says, nothing else changed, same length, no masked value
      left in clear
  netns_check.py check-many DIR ORIGDIR --policy P --what TEXT NAME...
      the same for DIR/NAME against ORIGDIR/NAME for every NAME, one line
  netns_check.py same RECEIVED ORIGINAL --what TEXT
      byte-identical (length and sha256)
  netns_check.py urlencoded RECEIVED --query|--body --policy P --what TEXT
                NAME:KIND:VALUE...
      RECEIVED (a request target with --query, a form body with --body)
      is valid urlencoding of exactly these fields, in order, each value
      (decoded) masked as the policy says for KIND ("-": not a value,
      unchanged), as long as curl sent it
  netns_check.py json RECEIVED ORIGINAL --policy P --what TEXT
      RECEIVED parses as JSON, has ORIGINAL's length, and decodes to
      ORIGINAL (netns_data.py escaped) with every field of
      ORIGINAL.fields.json masked as the policy says
  netns_check.py chunked RAW --what TEXT
      RAW (curl --raw: a chunked body with its framing) de-chunks
      cleanly; else where the framing broke, and what lies there
  netns_check.py accept-encoding HEADERS.json --what TEXT
      the server saw an Accept-Encoding header, blank (server.py /z/)
  netns_check.py counters STATS PHASE [--before M --after M]
                "TEXT|EXPR|SHOW"...
      assertions over wiremask's --stats-json; with two /metrics
      scrapes, d("name") is a counter's growth between them
  netns_check.py relay-loss STATS --what TEXT
  netns_check.py relay-vlan STATS... --what TEXT
  netns_check.py relay-targeted STATS --what TEXT
      the relays (relay.py) did what the test needs of them
  netns_check.py rings START.json STOP.json WIREMASK.log
      informational: frames the kernel delivered to each af_packet
      interface while wiremask ran ("ip -s -j link" before and after)
      against frames wiremask read on its port
"""
import argparse
import hashlib
import json
import os
import re
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from netns_data import POLICIES  # noqa: E402


def load_values(original):
    with open(original + ".values.json") as f:
        return json.load(f)


# The fill bytes of each policy's operators (configs/examples/netns.cfg).
FILLS = {"default": b"*", "payments": b"#"}


def judge(received, original, policy, hold_masked_ok=False):
    """Compare one received body with what the policy must make of the
    original. With hold_masked_ok, a letter or digit the policy keeps may
    arrive as one of its fill bytes (fail.hold_timeout = "mask" masks the
    bytes that might have begun a value when a stall decides them); nothing may arrive in clear where the
    policy masks. Returns (ok, detail, per-kind masked counts)."""
    mask = POLICIES[policy]
    with open(original, "rb") as f:
        orig = f.read()
    try:
        with open(received, "rb") as f:
            got = f.read()
    except OSError as e:
        return False, "cannot read what was received: %s" % e.strerror, {}
    values = load_values(original)
    want = bytearray(orig)
    masked = {}
    for v in values:
        m = mask(v["kind"], v["value"]).encode()
        assert len(m) == v["len"]
        want[v["off"]:v["off"] + v["len"]] = m
        if m != v["value"].encode():
            masked[v["kind"]] = masked.get(v["kind"], 0) + 1
    # A masked value must not be readable anywhere in what arrived.
    clear = sum(1 for v in values
                if mask(v["kind"], v["value"]) != v["value"] and
                v["value"].encode() in got)
    if len(got) != len(orig):
        return False, ("length %d, sent %d (%d masked values in clear)" %
                       (len(got), len(orig), clear)), masked
    if clear:
        return False, "%d values arrived in clear" % clear, masked
    over = 0
    if hold_masked_ok and got != bytes(want):
        stars = [i for i in range(len(got)) if got[i] != want[i] and
                 got[i] in FILLS[policy] and
                 (chr(orig[i]).isalnum() or chr(orig[i]) in "-_+")]
        for i in stars:
            want[i] = got[i]
        over = len(stars)
    if got != bytes(want):
        bad = [i for i in range(len(got)) if got[i] != want[i]]
        where = "outside any value"
        for v in values:
            if v["off"] <= bad[0] < v["off"] + v["len"]:
                where = "in a %s value at offset %d" % (v["kind"], v["off"])
                break
        nval = sum(1 for v in values
                   if got[v["off"]:v["off"] + v["len"]] !=
                   want[v["off"]:v["off"] + v["len"]])
        leaked = sum(1 for i in bad if got[i] == orig[i])
        lo, hi = max(bad[0] - 16, 0), bad[0] + 24
        print("# sent     %r\n# expected %r\n# received %r" %
              (bytes(orig[lo:hi]), bytes(want[lo:hi]), got[lo:hi]))
        return False, ("%d bytes differ from the expected masking (%d of "
                       "them left as sent: in clear), first at offset %d "
                       "(%s); %d of %d values not masked as the policy "
                       "says" % (len(bad), leaked, bad[0], where, nval,
                                 len(values))), masked
    return True, ("%d bytes over-masked at hold timeouts" % over
                  if over else ""), masked


def counts_text(masked):
    return ", ".join("%d %s" % (masked[k], k) for k in sorted(masked)) or "none"


def cmd_check(a):
    ok, detail, masked = judge(a.received, a.original, a.policy,
                               a.hold_masked_ok)
    if ok:
        print("ok - %s: %d bytes, values masked as policy '%s' says (%s), "
              "none in clear, %s" %
              (a.what, os.path.getsize(a.original), a.policy,
               counts_text(masked), detail or "nothing else changed"))
        return 0
    print("FAIL - %s: %s" % (a.what, detail))
    return 1


def cmd_check_many(a):
    total, fails, first = {}, 0, None
    for name in a.names:
        ok, detail, masked = judge(os.path.join(a.dir, name),
                                   os.path.join(a.origdir, name), a.policy,
                                   a.hold_masked_ok)
        for k, n in masked.items():
            total[k] = total.get(k, 0) + n
        if not ok:
            fails += 1
            if first is None:
                first = "%s: %s" % (name, detail)
    if fails == 0:
        print("ok - %s: %d responses, each masked as policy '%s' says (%s)" %
              (a.what, len(a.names), a.policy, counts_text(total)))
        return 0
    print("FAIL - %s: %d of %d responses wrong; first: %s" %
          (a.what, fails, len(a.names), first))
    return 1


def digest(path):
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    return n, h.hexdigest()


def stall_masked(received, original):
    """(runs, bytes, last_run_at_end) if every difference between the two
    files is a run of '*' over letters and digits that ends where a word
    ends (the tail a stalled sender left undecided, masked when the hold
    timed out); None otherwise."""
    with open(received, "rb") as f:
        got = f.read()
    with open(original, "rb") as f:
        orig = f.read()
    runs, nbytes, i, n = 0, 0, 0, len(got)
    at_end = False
    while True:
        while i < n and got[i] == orig[i]:
            i += 1
        if i == n:
            break
        j = i
        while j < n and got[j] != orig[j]:
            if got[j] != ord("*") or not chr(orig[j]).isalnum():
                return None
            j += 1
        runs += 1
        nbytes += j - i
        at_end = j == n
        i = j
    return runs, nbytes, at_end


def cmd_same(a):
    try:
        got = digest(a.received)
    except OSError as e:
        print("FAIL - %s: cannot read what was received: %s" %
              (a.what, e.strerror))
        return 1
    want = digest(a.original)
    if got == want:
        print("ok - %s: %d bytes, sha256 %s... unchanged" %
              (a.what, got[0], got[1][:16]))
        return 0
    if a.stall_runs_per_mb and got[0] == want[0]:
        st = stall_masked(a.received, a.original)
        limit = max(1, got[0] * a.stall_runs_per_mb // (1 << 20))
        if st is not None and st[0] <= limit:
            print("ok - %s: %d bytes, unchanged but for %d byte(s) of %d "
                  "word tail(s)%s masked where the sender stalled on them "
                  "longer than the hold (fail.hold_timeout = \"mask\"; at "
                  "most %d allowed)" %
                  (a.what, got[0], st[1], st[0],
                   ", the body's last word among them" if st[2] else "",
                   limit))
            return 0
    if got[0] == want[0]:
        with open(a.received, "rb") as f:
            r = f.read()
        with open(a.original, "rb") as f:
            o = f.read()
        i = next(i for i in range(len(r)) if r[i] != o[i])
        print("# first difference at offset %d of %d: sent %r, received %r" %
              (i, len(r), o[max(i - 16, 0):i + 24], r[max(i - 16, 0):i + 24]))
    print("FAIL - %s: received %d bytes sha256 %s..., sent %d bytes sha256 "
          "%s..." % (a.what, got[0], got[1][:16], want[0], want[1][:16]))
    return 1


def cmd_urlencoded(a):
    try:
        with open(a.received, "rb") as f:
            got = f.read().decode("ascii")
    except (OSError, UnicodeDecodeError) as e:
        print("FAIL - %s: cannot read what was received: %s" % (a.what, e))
        return 1
    if a.query:
        if "?" not in got:
            print("FAIL - %s: no query in %r" % (a.what, got))
            return 1
        got = got.split("?", 1)[1]
    print("# %s: received %s" % (a.what, got))
    fields = [f.split(":", 2) for f in a.fields]
    bad = []
    # Valid urlencoding: unreserved bytes, '*', '+', '&', '=' and '%XX'.
    if not re.fullmatch(r"(?:[A-Za-z0-9._~*+&=-]|%[0-9A-Fa-f]{2})*", got):
        bad.append("not valid urlencoding")
    try:
        pairs = urllib.parse.parse_qsl(got, keep_blank_values=True,
                                       strict_parsing=True,
                                       errors="strict")
    except (ValueError, UnicodeDecodeError) as e:
        pairs = []
        bad.append("does not parse: %s" % e)
    names = [n for n, _, _ in fields]
    if pairs and [n for n, _ in pairs] != names:
        bad.append("fields %s, sent %s" % ([n for n, _ in pairs], names))
    masked = {}
    for (name, kind, value), (_, v) in zip(fields, pairs):
        want = value if kind == "-" else POLICIES[a.policy](kind, value)
        if v != want:
            bad.append("%s=%r, expected %r%s" %
                       (name, v, want, " (IN CLEAR)" if v == value else ""))
        elif want != value:
            masked[kind] = masked.get(kind, 0) + 1
    # Length: curl's --data-urlencode writes a space as '+'.
    sent = "&".join(n + "=" + urllib.parse.quote_plus(v, safe="")
                    for n, _, v in fields)
    if len(got) != len(sent):
        bad.append("%d bytes, curl sent %d" % (len(got), len(sent)))
    if bad:
        print("FAIL - %s: %s" % (a.what, "; ".join(bad)))
        return 1
    print("ok - %s: %d bytes of valid urlencoding, decoded values masked "
          "as policy '%s' says (%s), nothing else changed" %
          (a.what, len(got), a.policy, counts_text(masked)))
    return 0


def cmd_json(a):
    with open(a.original, "rb") as f:
        orig_bytes = f.read()
    orig = json.loads(orig_bytes)
    with open(a.original + ".fields.json") as f:
        fields = json.load(f)
    try:
        with open(a.received, "rb") as f:
            got_bytes = f.read()
    except OSError as e:
        print("FAIL - %s: cannot read what was received: %s" %
              (a.what, e.strerror))
        return 1
    try:
        got = json.loads(got_bytes)
    except ValueError as e:
        print("# received %r" % got_bytes[:300])
        print("FAIL - %s: does not parse as JSON any more: %s" % (a.what, e))
        return 1
    want = json.loads(orig_bytes)
    masked = {}
    for fl in fields:
        v = orig[fl["index"]][fl["key"]]
        m = POLICIES[a.policy](fl["kind"], v)
        want[fl["index"]][fl["key"]] = m
        if m != v:
            masked[fl["kind"]] = masked.get(fl["kind"], 0) + 1
    bad = []
    over = 0
    if len(got_bytes) != len(orig_bytes):
        bad.append("%d bytes, sent %d" % (len(got_bytes), len(orig_bytes)))
    if got != want and a.hold_masked_ok:
        # A hold timeout masks what might still begin a value as a value
        # starting there would be: more fill, never a byte in clear. An
        # escape cut at the timeout (\u00 of \u0040) is decided before
        # its byte is known: it may arrive as fill whatever it decodes to.
        esc = {chr(int(h, 16)) for h in
               re.findall(rb"\\u([0-9a-fA-F]{4})", orig_bytes)}
        for i, (g, w) in enumerate(zip(got, want)):
            for k in w:
                gv, wv = g.get(k), w[k]
                if (isinstance(gv, str) and isinstance(wv, str) and
                        len(gv) == len(wv) and gv != wv and
                        all(x == y or (x in FILLS[a.policy].decode() and
                                       (y.isalnum() or y in "-_+" or
                                        y in esc))
                            for x, y in zip(gv, wv))):
                    over += sum(x != y for x, y in zip(gv, wv))
                    g[k] = wv
    if got != want:
        for i, (g, w) in enumerate(zip(got, want)):
            for k in w:
                if g.get(k) != w[k]:
                    bad.append("[%d].%s = %r, expected %r%s" %
                               (i, k, g.get(k), w[k],
                                " (IN CLEAR)" if g.get(k) == orig[i][k]
                                else ""))
        if not bad:
            bad.append("decodes to something else")
    if bad:
        print("# received %r" % got_bytes)
        print("FAIL - %s: %s" % (a.what, "; ".join(bad)))
        return 1
    print("ok - %s: %d bytes, still valid JSON, the escaped values masked "
          "as policy '%s' says once decoded (%s), %s" %
          (a.what, len(got_bytes), a.policy, counts_text(masked),
           "%d characters over-masked at hold timeouts" % over if over
           else "nothing else changed"))
    return 0


def cmd_chunked(a):
    with open(a.raw, "rb") as f:
        raw = f.read()
    i, n, body = 0, 0, 0
    while True:
        eol = raw.find(b"\r\n", i)
        line = raw[i:eol] if eol >= 0 else raw[i:i + 16]
        try:
            size = int(line.split(b";")[0], 16)
        except ValueError:
            size = -1
        if eol < 0 or size < 0 or (size and raw[eol + 2 + size:
                                               eol + 4 + size] != b"\r\n"):
            at = i if size < 0 or eol < 0 else eol + 2 + size
            print("# framing as received around offset %d: %r" %
                  (at, raw[max(at - 24, 0):at + 24]))
            print("FAIL - %s: chunk framing broken after %d good chunks "
                  "(%d bytes), at offset %d of %d" %
                  (a.what, n, body, at, len(raw)))
            return 1
        if size == 0:
            break
        i = eol + 4 + size
        n += 1
        body += size
    print("ok - %s: %d chunks, %d bytes, framing intact" % (a.what, n, body))
    return 0


def cmd_accept_encoding(a):
    try:
        with open(a.headers) as f:
            ae = json.load(f)["accept_encoding"]
    except (OSError, ValueError, KeyError) as e:
        print("FAIL - %s: the server recorded no request: %s" % (a.what, e))
        return 1
    ok = ae is not None and ae.strip() == ""
    print("%s - %s: the server saw Accept-Encoding: %r" %
          ("ok" if ok else "FAIL", a.what, ae))
    return 0 if ok else 1


def metrics_load(path):
    """Counters of a /metrics scrape, by wiremask's own names."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^wiremask_(\w+?)(?:_bytes)?_total (\S+)$", line)
            if m:
                out[m.group(1)] = float(m.group(2))
    return out


def cmd_counters(a):
    """Assertions over wiremask's --stats-json: each is "TEXT|EXPR|SHOW"
    with c("name") a counter, m("card") a per-detector masked count,
    z("segment/rule") packets a zone rule denied,
    drops() and passed() the non-zero drop.* and pass.* counters."""
    try:
        with open(a.stats) as f:
            s = json.load(f)
    except (OSError, ValueError) as e:
        print("FAIL - %s: counters unreadable: %s" % (a.phase, e))
        return 1
    ctr = s.get("counters", {})
    before = metrics_load(a.before) if a.before else {}
    after = metrics_load(a.after) if a.after else {}
    env = {
        "d": lambda name: int(after.get(name.replace(".", "_"), 0) -
                              before.get(name.replace(".", "_"), 0)),
        "c": lambda name: ctr.get(name, 0),
        "m": lambda det: s.get("masked", {}).get(det, 0),
        "z": lambda key: s.get("zone_denied", {}).get(key, 0),
        "drops": lambda: {k: v for k, v in ctr.items()
                          if k.startswith("drop.") and v},
        "passed": lambda: {k: v for k, v in ctr.items()
                           if k.startswith("pass.") and v},
    }
    rc = 0
    for e in a.exprs:
        what, expr, show = e.split("|")
        ok = eval(expr, env)
        print("%s - %s: counters: %s (%s)" %
              ("ok" if ok else "FAIL", a.phase, what, eval(show, env)))
        rc |= not ok
    return rc


def relay_load(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("FAIL - %s: relay counters unreadable: %s" % (what, e))
        return None


def cmd_relay_loss(a):
    """The lossy relay did drop and reorder frames towards wiremask."""
    r = relay_load(a.stats, a.what)
    if r is None:
        return 1
    up, down = r["a_to_b"], r["b_to_a"]
    ok = up["dropped"] > 0 and up["reordered"] > 0
    print("%s - %s: client->appliance %d frames, %d dropped, %d reordered; "
          "appliance->client %d frames, %d dropped, %d reordered" %
          ("ok" if ok else "FAIL", a.what, up["frames"], up["dropped"],
           up["reordered"], down["frames"], down["dropped"],
           down["reordered"]))
    return 0 if ok else 1


def cmd_relay_vlan(a):
    """Every frame the tagging relays took from wiremask carried the tag."""
    rs = [relay_load(p, a.what) for p in a.stats]
    if None in rs:
        return 1
    into = sum(r["a_to_b"]["frames"] for r in rs)
    back = sum(r["b_to_a"]["frames"] for r in rs)
    bad = sum(r["b_to_a"]["vlan_dropped"] for r in rs)
    ok = into > 0 and back > 0 and bad == 0
    print("%s - %s: %d frames tagged into wiremask, %d came out of it, "
          "%d of those without the tag" %
          ("ok" if ok else "FAIL", a.what, into, back, bad))
    return 0 if ok else 1


def cmd_relay_targeted(a):
    """The relay dropped exactly one frame on purpose (--drop-after)."""
    r = relay_load(a.stats, a.what)
    if r is None:
        return 1
    n = r["a_to_b"]["targeted"]
    print("%s - %s (%d dropped)" % ("ok" if n == 1 else "FAIL", a.what, n))
    return 0 if n == 1 else 1


def cmd_rings(a):
    """Frames lost in the AF_PACKET receive rings: the kernel counted them
    in on the interface, wiremask never read them (net_af_packet does not
    report them as imissed)."""
    def rx(path):
        with open(path) as f:
            return {link["ifname"]: link.get("stats64", {}).get("rx", {})
                    .get("packets", 0) for link in json.load(f)}

    try:
        before, after = rx(a.start), rx(a.stop)
        with open(a.log) as f:
            log = f.read()
    except (OSError, ValueError) as e:
        print("# rings: cannot compare: %s" % e)
        return 0
    ports = {int(m.group(1)): int(m.group(2)) for m in re.finditer(
        r"^  port (\d+) \(net_af_packet\) -> port \d+: rx (\d+)", log, re.M)}
    total = 0
    for port in sorted(ports):
        ifc = "p%d" % port
        if ifc not in after:
            continue
        kernel = after[ifc] - before.get(ifc, 0)
        lost = kernel - ports[port]
        total += max(lost, 0)
        if kernel:
            print("# af_packet %s (port %d): kernel received %d, wiremask "
                  "read %d, lost in the ring %d" %
                  (ifc, port, kernel, ports[port], lost))
    if total:
        print("# %d frames lost in af_packet receive rings: the sender "
              "retransmits them, wiremask sees gaps (reasm.ooo_queued)" %
              total)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("received")
    c.add_argument("original")
    c.add_argument("--policy", choices=sorted(POLICIES), required=True)
    c.add_argument("--hold-masked-ok", action="store_true",
                   help="letters and digits may arrive as * (fail.hold_timeout = mask)")
    c.add_argument("--what", required=True)
    m = sub.add_parser("check-many")
    m.add_argument("dir")
    m.add_argument("origdir")
    m.add_argument("--policy", choices=sorted(POLICIES), required=True)
    m.add_argument("--hold-masked-ok", action="store_true",
                   help="as for check")
    m.add_argument("--what", required=True)
    m.add_argument("names", nargs="+")
    s = sub.add_parser("same")
    s.add_argument("received")
    s.add_argument("original")
    s.add_argument("--what", required=True)
    s.add_argument("--stall-runs-per-mb", type=float, default=0, metavar="R",
                   help="accept word tails masked with '*' where the sender "
                   "stalled on them (fail.hold_timeout = mask): at most R "
                   "such runs per MB, the body's last word included")
    k = sub.add_parser("counters")
    k.add_argument("stats")
    k.add_argument("phase")
    k.add_argument("--before", help="a /metrics scrape (for d())")
    k.add_argument("--after", help="a later one")
    ue = sub.add_parser("urlencoded")
    ue.add_argument("received")
    g = ue.add_mutually_exclusive_group(required=True)
    g.add_argument("--query", action="store_true")
    g.add_argument("--body", action="store_true")
    ue.add_argument("--policy", choices=sorted(POLICIES), required=True)
    ue.add_argument("--what", required=True)
    ue.add_argument("fields", nargs="+", metavar="NAME:KIND:VALUE")
    js = sub.add_parser("json")
    js.add_argument("received")
    js.add_argument("original")
    js.add_argument("--policy", choices=sorted(POLICIES), required=True)
    js.add_argument("--hold-masked-ok", action="store_true",
                    help="as for check")
    js.add_argument("--what", required=True)
    ch = sub.add_parser("chunked")
    ch.add_argument("raw")
    ch.add_argument("--what", required=True)
    ae = sub.add_parser("accept-encoding")
    ae.add_argument("headers")
    ae.add_argument("--what", required=True)
    k.add_argument("exprs", nargs="+")
    rl = sub.add_parser("relay-loss")
    rl.add_argument("stats")
    rl.add_argument("--what", required=True)
    rv = sub.add_parser("relay-vlan")
    rv.add_argument("stats", nargs="+")
    rv.add_argument("--what", required=True)
    rt = sub.add_parser("relay-targeted")
    rt.add_argument("stats")
    rt.add_argument("--what", required=True)
    rg = sub.add_parser("rings")
    rg.add_argument("start")
    rg.add_argument("stop")
    rg.add_argument("log")
    a = p.parse_args()
    return {"check": cmd_check, "check-many": cmd_check_many,
            "same": cmd_same, "counters": cmd_counters,
            "urlencoded": cmd_urlencoded, "json": cmd_json,
            "accept-encoding": cmd_accept_encoding,
            "chunked": cmd_chunked,
            "relay-loss": cmd_relay_loss, "relay-vlan": cmd_relay_vlan,
            "relay-targeted": cmd_relay_targeted,
            "rings": cmd_rings}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
