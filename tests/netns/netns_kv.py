#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Redis and MQTT traffic for scripts/netns-demo.sh (phases redis, mqtt),
and its verdicts. Each check prints "ok - TEXT: ..." or "FAIL - TEXT: ..."
and the program exits 1 if any failed. Values are synthetic
(netns_data.py) and masked as configs/examples/netns.cfg's default
policy says (netns_data.POLICIES).

Usage:
  netns_kv.py redis-put SENT --host H --port P --seed N --count N [--resp3]
      (client side) redis-cli SET, HSET and XADD of cards, SSNs and
      e-mails, one redis-cli per command, then a pipelined batch of SETs
      of JSON records (redis-cli --pipe); every command must succeed.
      What was sent goes to SENT (JSON)
  netns_kv.py redis-check SENT --host H --port P --what TEXT
      (server side, not through wiremask) what Redis stored is what was
      sent with every value masked, nothing else changed
  netns_kv.py redis-seed SEEDED --host H --port P --seed N
      (server side) values stored in clear, for replies to carry
  netns_kv.py redis-get SEEDED --host H --port P --what TEXT [--resp3]
      (client side, through wiremask) GET and HGETALL of those: the
      replies arrive masked
  netns_kv.py mqtt-gen SENT --seed N --count N
      messages to publish: topics (some with an e-mail in them, which
      must arrive unchanged), payloads ending with an e-mail, MQTT v5
      user properties holding one
  netns_kv.py mqtt-pub SENT --host H --port P
      (client side) mosquitto_pub each message (v3.1.1 and v5, QoS 0
      and 1); every one must succeed
  netns_kv.py mqtt-check RECEIVED SENT --what TEXT [--props]
      RECEIVED (mosquitto_sub -F '%t\\t%P\\t%p') holds every message: the
      topic (and the v5 user properties) exactly as sent, the payload
      with every value masked
"""
import argparse
import json
import random
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from netns_data import (POLICIES, rand_card, rand_email, rand_ssn,  # noqa: E402
                        rand_words)

MASK = POLICIES["default"]


class Text:
    """A string built from parts, knowing where its values lie."""

    def __init__(self):
        self.parts, self.values = [], []

    def put(self, s, kind=None):
        if kind is not None:
            off = sum(len(p) for p in self.parts)
            self.values.append({"off": off, "len": len(s), "kind": kind,
                                "value": s})
        self.parts.append(s)
        return self

    def text(self):
        return "".join(self.parts)


def masked(text, values):
    """@text with each of @values masked as the policy says."""
    out = text
    for v in values:
        m = MASK(v["kind"], v["value"])
        assert len(m) == v["len"]
        out = out[:v["off"]] + m + out[v["off"] + v["len"]:]
    return out


def verdict(ok, what, detail):
    print("%s - %s: %s" % ("ok" if ok else "FAIL", what, detail))
    return 0 if ok else 1


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, timeout=60)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


# -- Redis -----------------------------------------------------------------

def cli(a, *args, resp3=False):
    return run(["redis-cli", "-h", a.host, "-p", str(a.port)] +
               (["-3"] if resp3 else []) + list(args))


def record(rng, i):
    t = Text()
    t.put('{"id": %d, "email": "' % i).put(rand_email(rng), "email")
    t.put('", "ssn": "').put(rand_ssn(rng), "ssn")
    t.put('", "card": "').put(rand_card(rng), "card")
    t.put('", "note": "%s"}' % rand_words(rng, 1, 6))
    return t


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for x in args:
        x = x.encode()
        out += b"$%d\r\n%s\r\n" % (len(x), x)
    return out


def cmd_redis_put(a):
    rng = random.Random(a.seed)
    sent, bad = [], []

    def do(want, *args, **kw):
        rc, out, err = cli(a, *args, resp3=a.resp3)
        out = out.strip()
        if rc != 0 or not re.fullmatch(want, out):
            bad.append("%s: exit %d, %r %r" % (args[0], rc, out[:60],
                                                err[:120]))
        return out

    for i in range(a.count):
        card, ssn, email = rand_card(rng), rand_ssn(rng), rand_email(rng)
        # SET whose value is the whole message's end: an e-mail last.
        do("OK", "SET", "wm:card:%d" % i, card)
        do("OK", "SET", "wm:mail:%d" % i, email)
        sent += [{"type": "string", "key": "wm:card:%d" % i,
                  "text": card, "values": Text().put(card, "card").values},
                 {"type": "string", "key": "wm:mail:%d" % i,
                  "text": email, "values": Text().put(email, "email").values}]
        note = rand_words(rng, 1, 4)
        do(r"\d+", "HSET", "wm:user:%d" % i, "email", email, "ssn", ssn,
           "note", note, "card", card)
        for f, v, k in (("email", email, "email"), ("ssn", ssn, "ssn"),
                        ("note", note, None), ("card", card, "card")):
            sent.append({"type": "hash", "key": "wm:user:%d" % i,
                         "field": f, "text": v,
                         "values": Text().put(v, k).values if k else []})
        sid = do(r"\d+-\d+", "XADD", "wm:events", "*", "card", card, "ssn",
                 ssn, "email", email)
        for f, v, k in (("card", card, "card"), ("ssn", ssn, "ssn"),
                        ("email", email, "email")):
            sent.append({"type": "stream", "key": "wm:events", "id": sid,
                         "field": f, "text": v,
                         "values": Text().put(v, k).values})
    # Pipelined: many commands in few segments, values cut by segments.
    batch = b""
    for j in range(a.count * 20):
        t = record(rng, j)
        batch += resp("SET", "wm:rec:%d" % j, t.text())
        sent.append({"type": "string", "key": "wm:rec:%d" % j,
                     "text": t.text(), "values": t.values})
    rc, out, err = run(["redis-cli", "-h", a.host, "-p", str(a.port),
                        "--pipe"], stdin=batch)
    m = re.search(r"errors: (\d+), replies: (\d+)", out)
    if rc != 0 or not m or m.group(1) != "0" or \
            int(m.group(2)) != a.count * 20:
        bad.append("--pipe: exit %d, %r %r" % (rc, out.strip()[-80:],
                                               err[:120]))
    with open(a.sent, "w") as f:
        json.dump(sent, f)
    n = a.count * 4 + 1
    return verdict(not bad, a.what, "%d redis-cli commands and a pipelined "
                   "batch of %d SETs (%d bytes) all succeeded" %
                   (n, a.count * 20, len(batch)) if not bad else
                   "%d failed; first: %s" % (len(bad), bad[0]))


def stored(a, item):
    """A string's or a hash field's value as Redis keeps it."""
    if item["type"] == "string":
        rc, out, _ = cli(a, "GET", item["key"])
    else:
        rc, out, _ = cli(a, "HGET", item["key"], item["field"])
    return out[:-1] if rc == 0 and out.endswith("\n") else None


def cmd_redis_check(a):
    sent = json.load(open(a.sent))
    wrong, clear, nval = [], 0, 0
    streams = {}
    for item in sent:
        got = stored(a, item) if item["type"] != "stream" else None
        if item["type"] == "stream":
            key = (item["key"], item["id"])
            if key not in streams:
                rc, out, _ = cli(a, "XRANGE", item["key"], item["id"],
                                 item["id"])
                ls = out.split("\n")
                streams[key] = dict(zip(ls[1:-1:2], ls[2:-1:2]))
            got = streams[key].get(item["field"])
        want = masked(item["text"], item["values"])
        nval += len(item["values"])
        clear += sum(1 for v in item["values"]
                     if got is not None and v["value"] in got)
        if got != want:
            wrong.append("%s %s%s: stored %r, expected %r" % (
                item["type"], item["key"],
                " " + item["field"] if "field" in item else "", got, want))
    ok = not wrong and clear == 0
    return verdict(ok, a.what, "%d items, %d values, each stored masked as "
                   "policy 'default' says, nothing else changed" %
                   (len(sent), nval) if ok else
                   "%d items wrong, %d values in clear; first: %s" %
                   (len(wrong), clear, wrong[0] if wrong else "-"))


def cmd_redis_seed(a):
    rng = random.Random(a.seed)
    seeded = []
    for i in range(5):
        t = record(rng, i)
        card, email = rand_card(rng), rand_email(rng)
        ok = [cli(a, "SET", "wm:srv:rec:%d" % i, t.text())[1].strip(),
              cli(a, "HSET", "wm:srv:user:%d" % i, "card", card,
                  "email", email)[1].strip()]
        if ok[0] != "OK" or not ok[1].isdigit():
            return verdict(False, "redis: values stored server-side",
                           "redis-cli answered %r" % ok)
        seeded.append({"key": "wm:srv:rec:%d" % i, "text": t.text(),
                       "values": t.values,
                       "hkey": "wm:srv:user:%d" % i,
                       "hash": {"card": [card, "card"],
                                "email": [email, "email"]}})
    with open(a.seeded, "w") as f:
        json.dump(seeded, f)
    return 0


def cmd_redis_get(a):
    seeded = json.load(open(a.seeded))
    wrong, n = [], 0
    for s in seeded:
        rc, out, err = cli(a, "GET", s["key"], resp3=a.resp3)
        want = masked(s["text"], s["values"])
        n += len(s["values"])
        if rc != 0 or out[:-1] != want:
            wrong.append("GET %s: %r, expected %r" % (s["key"], out, want))
        # HGETALL: a map reply in RESP3, an array in RESP2.
        rc, out, err = cli(a, "HGETALL", s["hkey"], resp3=a.resp3)
        ls = out.split("\n")[:-1]
        if a.resp3:     # a map: "field value" per line
            got = dict(ln.split(" ", 1) for ln in ls if " " in ln)
        else:
            got = dict(zip(ls[0::2], ls[1::2]))
        for f, (v, k) in s["hash"].items():
            n += 1
            if got.get(f) != MASK(k, v):
                wrong.append("HGETALL %s %s: %r, expected %r" %
                             (s["hkey"], f, got.get(f), MASK(k, v)))
    return verdict(not wrong, a.what, "%d replies, %d values, each masked "
                   "on the way back" % (len(seeded) * 2, n) if not wrong else
                   "%d wrong; first: %s" % (len(wrong), wrong[0]))


# -- MQTT ------------------------------------------------------------------

def cmd_mqtt_gen(a):
    rng = random.Random(a.seed)
    msgs = []
    for i in range(a.count):
        t = Text()
        t.put("msg %d card " % i).put(rand_card(rng), "card")
        t.put(" ssn ").put(rand_ssn(rng), "ssn")
        t.put(" %s mail " % rand_words(rng, 1, 5)).put(rand_email(rng),
                                                       "email")
        # The topic routes the message: an e-mail there stays.
        topic = ("wm/msg/%d" % i if i % 3 else
                 "wm/msg/%d/%s/inbox" % (i, rand_email(rng)))
        msgs.append({"topic": topic, "payload": t.text(),
                     "values": t.values, "qos": i % 2,
                     "version": "mqttv5" if i % 2 else "mqttv311",
                     "prop": rand_email(rng) if i % 2 else None})
    with open(a.sent, "w") as f:
        json.dump(msgs, f)
    return 0


def cmd_mqtt_pub(a):
    msgs = json.load(open(a.sent))
    bad = []
    for m in msgs:
        cmd = ["mosquitto_pub", "-h", a.host, "-p", str(a.port), "-V",
               m["version"], "-q", str(m["qos"]), "-t", m["topic"],
               "-m", m["payload"]]
        if m["prop"]:
            cmd += ["-D", "publish", "user-property", "mail", m["prop"]]
        rc, out, err = run(cmd)
        if rc != 0:
            bad.append("%s: exit %d %r" % (m["topic"], rc, err[:160]))
    return verdict(not bad, a.what, "%d messages published (v3.1.1 and v5, "
                   "QoS 0 and 1), each mosquitto_pub exited 0" % len(msgs)
                   if not bad else "%d failed; first: %s" % (len(bad),
                                                             bad[0]))


def cmd_mqtt_check(a):
    msgs = json.load(open(a.sent))
    try:
        lines = open(a.received, encoding="utf-8",
                     errors="replace").read().split("\n")
    except OSError as e:
        return verdict(False, a.what, "nothing received: %s" % e.strerror)
    got = {}
    for ln in lines:
        f = ln.split("\t", 2)
        if len(f) == 3:
            got[f[0]] = (f[1], f[2])
    wrong, clear, topics = [], 0, 0
    for m in msgs:
        if m["topic"] not in got:
            wrong.append("topic %r: not received (or changed)" % m["topic"])
            continue
        topics += "@" in m["topic"]
        prop, payload = got[m["topic"]]
        want = masked(m["payload"], m["values"])
        clear += sum(1 for v in m["values"] if v["value"] in payload)
        if payload != want:
            wrong.append("%s: payload %r, expected %r" % (m["topic"],
                                                          payload, want))
        wprop = "mail:" + m["prop"] if m["prop"] else ""
        if a.props and prop != wprop:
            wrong.append("%s: user property %r, sent %r" % (m["topic"],
                                                            prop, wprop))
    extra = len(got) - len(msgs)
    ok = not wrong and clear == 0 and extra == 0
    return verdict(ok, a.what, "%d messages, payloads masked (each ends "
                   "with an e-mail), topics unchanged (%d with an e-mail)%s"
                   % (len(msgs), topics,
                      ", v5 user properties unchanged" if a.props else "")
                   if ok else "%d wrong, %d values in clear, %d unexpected; "
                   "first: %s" % (len(wrong), clear, extra,
                                  wrong[0] if wrong else "-"))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)

    def srv(q):
        q.add_argument("--host", required=True)
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--what", default="")
        return q

    q = srv(sub.add_parser("redis-put"))
    q.add_argument("sent")
    q.add_argument("--seed", type=int, required=True)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--resp3", action="store_true")
    q = srv(sub.add_parser("redis-check"))
    q.add_argument("sent")
    q = srv(sub.add_parser("redis-seed"))
    q.add_argument("seeded")
    q.add_argument("--seed", type=int, required=True)
    q = srv(sub.add_parser("redis-get"))
    q.add_argument("seeded")
    q.add_argument("--resp3", action="store_true")
    q = sub.add_parser("mqtt-gen")
    q.add_argument("sent")
    q.add_argument("--seed", type=int, required=True)
    q.add_argument("--count", type=int, required=True)
    q = srv(sub.add_parser("mqtt-pub"))
    q.add_argument("sent")
    q = sub.add_parser("mqtt-check")
    q.add_argument("received")
    q.add_argument("sent")
    q.add_argument("--what", required=True)
    q.add_argument("--props", action="store_true")
    a = p.parse_args()
    return {"redis-put": cmd_redis_put, "redis-check": cmd_redis_check,
            "redis-seed": cmd_redis_seed, "redis-get": cmd_redis_get,
            "mqtt-gen": cmd_mqtt_gen, "mqtt-pub": cmd_mqtt_pub,
            "mqtt-check": cmd_mqtt_check}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
