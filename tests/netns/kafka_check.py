#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Data and checks of scripts/netns-demo.sh phase kafka.

Usage:
  kafka_check.py gen FILE --seed N --records N
      records "key|value" (one a line) whose values carry cards, SSNs and
      e-mail addresses (netns_data.py's), the values in FILE.values.json
  kafka_check.py check GOT FILE --what TEXT [--log --topic T]
      GOT (kcat -f '%k|%s\\n' output, or with --log the broker's JSON
      lines) has every record of FILE, in order, keys as they were,
      values of the same length with every value masked as the default
      policy says (configs/examples/netns.cfg) and nothing else changed
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns_data as nd  # noqa: E402


def gen(a):
    rng = random.Random(a.seed)
    lines, vals = [], []
    for i in range(a.records):
        kinds = [("card", nd.rand_card(rng)), ("ssn", nd.rand_ssn(rng)),
                 ("email", nd.rand_email(rng))]
        rng.shuffle(kinds)
        parts, rec = [], []
        for kind, v in kinds[:rng.randint(1, 3)]:
            parts.append('"%s":"%s"' % (kind, v))
            rec.append({"kind": kind, "value": v})
        lines.append("order-%d|{%s,\"n\":%d}" % (i, ",".join(parts), i))
        vals.append(rec)
    with open(a.file, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(a.file + ".values.json", "w") as f:
        json.dump(vals, f)


def expected(a):
    vals = json.load(open(a.file + ".values.json"))
    out = []
    for line, rec in zip(open(a.file).read().splitlines(), vals):
        k, _, v = line.partition("|")
        m = v
        for x in rec:
            m = m.replace(x["value"], nd.mask_default(x["kind"], x["value"]))
        out.append((k, v, m, rec))
    return out


def forged(got, want):
    """Is @got @want but for fill bytes turned into '@'..'O'? wiremask
    forges a large batch's end that way so that the CRC it sent covers
    the bytes it sent (kafka.crc_forged): still masked, printable."""
    return len(got) == len(want) and all(
        g == w or (w == "*" and "@" <= g <= "O") for g, w in zip(got, want))


def check(a):
    want = expected(a)
    if a.log:
        got = []
        for line in open(a.got):
            e = json.loads(line)
            if e.get("event") == "corrupt":
                print("FAIL - %s: the broker refused a batch "
                      "(CORRUPT_MESSAGE: its CRC32C did not match)" % a.what)
                return 1
            if e.get("event") == "record" and e["topic"] == a.topic:
                got.append((e["key"], e["value"]))
    else:
        got = [tuple(line.partition("|")[::2])
               for line in open(a.got, encoding="latin-1").read().splitlines()
               if "|" in line]
    bad = []
    if len(got) != len(want):
        bad.append("%d records, %d sent" % (len(got), len(want)))
    for i, ((gk, gv), (k, v, m, rec)) in enumerate(zip(got, want)):
        if gk != k:
            bad.append("record %d: key changed" % i)
        elif len(gv) != len(v):
            bad.append("record %d: length %d, sent %d" % (i, len(gv), len(v)))
        elif gv != m and not forged(gv, m):
            clear = [x["kind"] for x in rec if x["value"] in gv]
            bad.append("record %d: not as masked (in clear: %s)"
                       % (i, ",".join(clear) or "none"))
        if len(bad) > 5:
            break
    n = sum(len(r) for _, _, _, r in want)
    if bad:
        print("FAIL - %s: %s" % (a.what, "; ".join(bad)))
        return 1
    print("ok - %s: %d records, %d values masked, nothing else changed"
          % (a.what, len(want), n))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("file")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--records", type=int, default=100)
    c = sub.add_parser("check")
    c.add_argument("got")
    c.add_argument("file")
    c.add_argument("--what", required=True)
    c.add_argument("--log", action="store_true")
    c.add_argument("--topic", help="with --log: this topic's records")
    a = ap.parse_args()
    if a.cmd == "gen":
        gen(a)
        return 0
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
