#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Test data for the network-namespace demo (scripts/netns-demo.sh).

Writes HTTP bodies that carry synthetic sensitive values (test card
numbers that pass Luhn, SSNs valid under the SSA rules, e-mail addresses
on example domains) next to a manifest of where each value lies, and
bulk bodies that no detector can match. Also the masking model the
checks (netns_check.py) hold what arrives to. Nothing here is real
personal data.

Usage:
  netns_data.py records OUT --seed N --records N [--lead BYTES]
      a JSON array of N records (card, ssn, email, filler), after BYTES
      of bulk text if asked, and OUT.values.json: [{"off", "len",
      "kind", "value"}, ...]
  netns_data.py many DIR --count N [--name conn-%03d.json] [--seed N]
                [--records N]
      N small bodies (seeds N, N+1, ...), their names on stdout
  netns_data.py escaped OUT [--set basic|split|dotesc]
      a JSON array whose values are written with string escapes (basic:
      \\u0040 for '@', \\u0020 between card digit groups, a digit as
      \\u0031, "\\/" elsewhere; split: a chunk ends inside the escape
      of a digit to mask; dotesc: an e-mail's '.' as \\u002e),
      OUT.fields.json: [{"index", "key", "kind"}, ...] (the values,
      decoded, are json.load(OUT)), and OUT.chunks: chunk sizes (server.py
      /c/) that cut the body inside each value
  netns_data.py bulk OUT --size BYTES --seed N
      BYTES of letters, spaces and newlines (no digit, no '@': no card,
      SSN or e-mail can match; see BULK_ALPHABET)

The policies mirror configs/examples/netns.cfg (keep them in step):
  default   card partial 6+4 '*', ssn partial last 4 '*',
            e-mail local part redacted '*' (dots and domain kept)
  payments  card redact '#', ssn redact '#', e-mail not masked
"""
import argparse
import json
import os
import random
import sys

# -- values ---------------------------------------------------------------

# Known test numbers first (Luhn-valid, the ones every payment sandbox
# uses), then random ones of several brands and layouts.
FIXED_CARDS = [
    "4111 1111 1111 1111",
    "5555555555554444",
    "3782-822463-10005",
    "6011 1111 1111 1117",
]

BRANDS = [
    ("4", 16, (4, 4, 4, 4)),          # Visa
    ("51", 16, (4, 4, 4, 4)),         # Mastercard
    ("2221", 16, (4, 4, 4, 4)),       # Mastercard 2-series
    ("37", 15, (4, 6, 5)),            # Amex
    ("6011", 16, (4, 4, 4, 4)),       # Discover
    ("3530", 16, (4, 4, 4, 4)),       # JCB
]

FIRST = ["jane", "john", "ada", "alan", "grace", "linus", "ken", "dennis",
         "barbara", "edsger", "donald", "margaret", "tim", "radia"]
LAST = ["doe", "roe", "lovelace", "turing", "hopper", "torvalds", "thompson",
        "ritchie", "liskov", "dijkstra", "knuth", "hamilton", "perlman"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com"]
# Filler words: letters only (see bulk()).
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
         "hotel", "india", "juliet", "kilo", "lima", "mike", "november",
         "oscar", "papa", "quebec", "romeo", "sierra", "tango"]


def luhn_digit(body):
    """The check digit that makes body + digit pass Luhn."""
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(digits):
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def rand_card(rng):
    prefix, length, groups = rng.choice(BRANDS)
    body = prefix + "".join(rng.choice("0123456789")
                            for _ in range(length - len(prefix) - 1))
    digits = body + luhn_digit(body)
    assert luhn_ok(digits)
    sep = rng.choice(["", " ", "-"])
    if not sep:
        return digits
    out, i = [], 0
    for g in groups:
        out.append(digits[i:i + g])
        i += g
    return sep.join(out)


SSN_SAMPLES = {"078051120", "219099999", "457555462"}


def rand_ssn(rng):
    while True:
        area = rng.randint(1, 899)
        group = rng.randint(1, 99)
        serial = rng.randint(1, 9999)
        if area == 666:
            continue
        s = "%03d%02d%04d" % (area, group, serial)
        if s in SSN_SAMPLES:
            continue
        return "%s-%s-%s" % (s[:3], s[3:5], s[5:])


def rand_email(rng):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([first + "." + last, first + last, first[0] + last])
    return local + "@" + rng.choice(DOMAINS)


def rand_words(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


# -- bodies ----------------------------------------------------------------

def records(nrec, seed, lead=0):
    """A JSON array of records, after @lead bytes of bulk text; returns
    (bytes, [value dicts])."""
    rng = random.Random(seed)
    parts, values, off = [], [], 0
    if lead:
        parts.append(rng.randbytes(lead - 1).translate(BULK_TABLE) + b"\n")
        off = lead

    def put(text, kind=None):
        nonlocal off
        b = text.encode()
        if kind is not None:
            values.append({"off": off, "len": len(b), "kind": kind,
                           "value": text})
        parts.append(b)
        off += len(b)

    put("[\n")
    for i in range(nrec):
        card = FIXED_CARDS[i] if i < len(FIXED_CARDS) else rand_card(rng)
        put('  {"id": "r%05d", "name": "%s", "email": "' %
            (i, rng.choice(FIRST).title()))
        put(rand_email(rng), "email")
        put('", "ssn": "')
        put(rand_ssn(rng), "ssn")
        put('", "card": "')
        put(card, "card")
        put('", "note": "%s"}%s\n' % (rand_words(rng, 2, 12),
                                      "," if i + 1 < nrec else ""))
    put("]\n")
    return b"".join(parts), values


# Bulk data: letters, spaces and newlines only. No digit, so no card or
# SSN; no '@', so no e-mail (runs of letters may still be held back as
# the possible start of an e-mail's local part, which is what live
# traffic looks like).
BULK_ALPHABET = (b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 b"abcdefghijklmnopqrstuvwxyz" b"    \n")
BULK_TABLE = bytes(BULK_ALPHABET[i % len(BULK_ALPHABET)] for i in range(256))


def bulk(path, size, seed):
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            f.write(rng.randbytes(n).translate(BULK_TABLE))
            left -= n


# -- policies (configs/examples/netns.cfg) --------------------------------

SEPARATORS = {"card": " -", "ssn": "-", "email": "@."}


def mask_range(value, seps, fill, keep_first, keep_last):
    """Length-preserving mask: separators copied and not counted; a value
    with no more maskable characters than kept ones is filled whole."""
    n = sum(1 for c in value if c not in seps)
    if n <= keep_first + keep_last:
        keep_first = keep_last = 0
    out, k = [], 0
    for c in value:
        if c in seps:
            out.append(c)
            continue
        out.append(c if k < keep_first or k >= n - keep_last else fill)
        k += 1
    return "".join(out)


def mask_default(kind, v):
    if kind == "card":
        return mask_range(v, SEPARATORS[kind], "*", 6, 4)
    if kind == "ssn":
        return mask_range(v, SEPARATORS[kind], "*", 0, 4)
    at = v.index("@")
    return mask_range(v[:at], SEPARATORS[kind], "*", 0, 0) + v[at:]


def mask_payments(kind, v):
    if kind in ("card", "ssn"):
        return mask_range(v, SEPARATORS[kind], "#", 0, 0)
    return v                        # e-mail: not masked in this segment


POLICIES = {"default": mask_default, "payments": mask_payments}


def form(seed, end):
    """A urlencoded form body (what curl --data and browsers send) whose
    last field is a value of kind @end, with nothing after it; returns
    (bytes, [value dicts])."""
    rng = random.Random(seed)
    val = {"card": lambda: rand_card(rng), "ssn": lambda: rand_ssn(rng),
           "email": lambda: rand_email(rng)}[end]()
    head = "name=%s&ref=A-%04d&%s=" % (rng.choice(FIRST).title(),
                                       rng.randint(0, 9999), end)
    return ((head + val).encode(),
            [{"off": len(head), "len": len(val), "kind": end, "value": val}])


def cmd_form(a):
    body, values = form(a.seed, a.end)
    with open(a.out, "wb") as f:
        f.write(body)
    with open(a.out + ".values.json", "w") as f:
        json.dump(values, f)
    return 0


# Values behind JSON escapes: what only the decoded view can find. Per
# set: (kind, value as written in the JSON, cuts: offsets in it where a
# chunk of server.py /c/ ends).
ESCAPED = {
    # '@' as \u0040 (a cut inside it), a card's separators as \u0020
    # (a cut inside one), a card digit wiremask must mask as \u0031.
    "basic": [
        ("email", r"jane.doe\u0040example.org", [4, 11]),
        ("card", r"4111 1111 1111 1111", [9]),
        ("ssn", r"536-22-8726", [5]),
        ("card", r"5500\u00200000\u00200000\u00200004", [16]),
        ("card", r"4111 11\u00311 1111 1111", [16]),
    ],
    # A chunk ends inside the escape of a digit the mask rewrites.
    "split": [
        ("card", r"4111 11\u00311 1111 1111", [12]),
    ],
    # The '.' of an e-mail's local part as \u002e: the raw bytes hold
    # another address, "u002eroe@example.net".
    "dotesc": [
        ("email", r"john\u002eroe@example.net", [12]),
    ],
}


def cmd_escaped(a):
    recs, fields, want = [], [], []
    vals = ESCAPED[a.set]
    for i in range(0, len(vals), 3):
        parts = ['"id": %d' % (i // 3), r'"site": "https:\/\/example.org\/a"']
        for j, (kind, wire, cuts) in enumerate(vals[i:i + 3], i):
            key = "%s%d" % (kind, j)
            parts.append('"%s": "%s"' % (key, wire))
            fields.append({"index": i // 3, "key": key, "kind": kind})
            want.append((key, wire, cuts))
        recs.append("{" + ", ".join(parts) + "}")
    body = ("[" + ",\n ".join(recs) + "]\n").encode()
    json.loads(body)  # the test data itself must be valid JSON
    cuts = []
    for key, wire, at in want:
        off = body.index(('"%s": "' % key).encode()) + len(key) + 5
        assert body[off:off + len(wire)] == wire.encode()
        cuts += [off + k for k in at]
    cuts = sorted(set(cuts))
    sizes = [y - x for x, y in zip([0] + cuts, cuts)]
    with open(a.out, "wb") as f:
        f.write(body)
    with open(a.out + ".fields.json", "w") as f:
        json.dump(fields, f)
    with open(a.out + ".chunks", "w") as f:
        f.write(" ".join(str(n) for n in sizes) + "\n")
    return 0


def cmd_records(a):
    body, values = records(a.records, a.seed, a.lead)
    with open(a.out, "wb") as f:
        f.write(body)
    with open(a.out + ".values.json", "w") as f:
        json.dump(values, f)
    return 0


def cmd_many(a):
    for i in range(a.count):
        out = os.path.join(a.dir, a.name % i)
        body, values = records(a.records, a.seed + i)
        with open(out, "wb") as f:
            f.write(body)
        with open(out + ".values.json", "w") as f:
            json.dump(values, f)
        print(os.path.basename(out))
    return 0


def cmd_bulk(a):
    bulk(a.out, a.size, a.seed)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("records")
    r.add_argument("out")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--records", type=int, default=100)
    r.add_argument("--lead", type=int, default=0,
                   help="bytes of bulk text (no value) before the records")
    n = sub.add_parser("many")
    n.add_argument("dir")
    n.add_argument("--count", type=int, required=True)
    n.add_argument("--name", default="conn-%03d.json")
    n.add_argument("--seed", type=int, default=1000)
    n.add_argument("--records", type=int, default=3)
    f = sub.add_parser("form")
    f.add_argument("out")
    f.add_argument("--seed", type=int, default=1)
    f.add_argument("--end", choices=("card", "ssn", "email"), required=True)
    e = sub.add_parser("escaped")
    e.add_argument("out")
    e.add_argument("--set", choices=sorted(ESCAPED), default="basic")
    b = sub.add_parser("bulk")
    b.add_argument("out")
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--size", type=int, required=True)
    a = p.parse_args()
    return {"records": cmd_records, "many": cmd_many, "form": cmd_form,
            "escaped": cmd_escaped,
            "bulk": cmd_bulk}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
