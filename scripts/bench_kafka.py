#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Data, per-run records and the report of scripts/bench-kafka.sh.

Usage:
  bench_kafka.py gen FILE --records N --size B [--seed N]
      N lines "key|value" for kcat -K '|': each value a JSON object of
      about B bytes with one card, one SSN and one e-mail address
      (tests/netns/netns_data.py's generators) and filler words (no
      digit, no '@': nothing else a detector could take)
  bench_kafka.py run --mode M --batch B --round R --records N --time F
                     --hw N --broker-cpu S [--stats F --metrics F
                     --wm-cpu S]
      one JSON line for one producer run (printed): wall and CPU time,
      records/s, records the broker stored and, through wiremask, its
      counters (--stats-json) and held-time histogram (/metrics)
  bench_kafka.py held CLIENT.pcap SERVER.pcap [--port 9092]
      from captures of the client's veth end (what it sent) and the
      server's (what reached the broker), the wait of every packet that
      carries a produced batch's CRC32C field: time it reached the
      server minus time the client sent it (first copies), next to the
      time the client took to send that batch (its CRC's packet to its
      last byte's) and the transit of the other data packets; one JSON
      line (microseconds)
  bench_kafka.py report RUNS.jsonl [--cores N --load TEXT]
      the side-by-side table and the final JSON line
"""
import argparse
import json
import os
import random
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "netns"))

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet "
         "kilo lima mike november oscar papa quebec romeo sierra tango "
         "uniform victor whiskey xray yankee zulu").split()


def gen(a):
    import netns_data as nd
    rng = random.Random(a.seed)
    with open(a.file, "w") as f:
        for i in range(a.records):
            head = '{"card":"%s","ssn":"%s","email":"%s","note":"' % (
                nd.rand_card(rng), nd.rand_ssn(rng), nd.rand_email(rng))
            tail = '"}'
            note = []
            room = a.size - len(head) - len(tail)
            while sum(len(w) + 1 for w in note) < room:
                note.append(rng.choice(WORDS))
            value = head + " ".join(note)[:max(room, 0)] + tail
            f.write("order-%d|%s\n" % (i, value))
    return 0


def metrics_held(path):
    """count and sum (s) of wiremask_held_seconds in a /metrics scrape."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    for line in open(path):
        m = re.match(r"^wiremask_held_seconds_(count|sum) (\S+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


COUNTERS = ("kafka.batches", "kafka.crc_pinned", "kafka.crc_fixed",
            "kafka.crc_bad", "kafka.crc_failed", "kafka.crc_unfinished",
            "kafka.compressed", "kafka.batch_too_large", "proto.kafka",
            "stream.held", "stream.hold_timeout", "stream.hold_masked",
            "reasm.retransmit", "mask.late_match",
            "port.rx", "port.tx")


def run(a):
    real, user, sys_ = (float(x) for x in open(a.time).read().split()[-3:])
    r = {"mode": a.mode, "batch": a.batch, "round": a.round,
         "records": a.records, "stored": a.hw, "ok": a.hw == a.records,
         "wall_s": real, "producer_cpu_s": round(user + sys_, 3),
         "broker_cpu_s": a.broker_cpu,
         "rps": round(a.records / real, 1) if real > 0 else None}
    if a.stats:
        s = json.load(open(a.stats))
        c = s["counters"]
        r["counters"] = {k: c.get(k, 0) for k in COUNTERS}
        r["drops"] = {k: v for k, v in c.items()
                      if k.startswith("drop.") and v}
        r["passed"] = {k: v for k, v in c.items()
                       if k.startswith("pass.") and v}
        r["masked"] = {k: v for k, v in s.get("masked", {}).items() if v}
        r["held_us"] = s["held_us"]
        h = metrics_held(a.metrics)
        if h.get("count"):
            r["held_count"] = int(h["count"])
            r["held_mean_us"] = round(h["sum"] / h["count"] * 1e6, 1)
    if a.wm_cpu is not None:
        r["wm_cpu_s"] = a.wm_cpu
    print(json.dumps(r))
    return 0


def pcap_segments(path, port):
    """Client-to-server TCP segments of a classic pcap (Ethernet, IPv4):
    {client port: (isn, [(rel seq, payload, ts us)])}."""
    import struct
    f = open(path, "rb")
    gh = f.read(24)
    magic = struct.unpack("<I", gh[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = struct.unpack(end + "I", gh[:4])[0] == 0xA1B23C4D
    conns = {}
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        sec, frac, incl, _ = struct.unpack(end + "IIII", h)
        pkt = f.read(incl)
        ts = sec * 1e6 + (frac / 1000.0 if nano else frac)
        if len(pkt) < 14 + 20 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            continue
        tot = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:tot]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        if dport != port:
            continue
        off = (tcp[12] >> 4) * 4
        flags = tcp[13]
        c = conns.setdefault(sport, [None, []])
        if flags & 0x02:            # SYN
            c[0] = seq
            continue
        data = tcp[off:]
        if data and c[0] is not None:
            c[1].append(((seq - c[0] - 1) & 0xFFFFFFFF, data, ts))
    return conns


def crc_offsets(stream):
    """(CRC offset, batch end) of every v2 batch in the Produce requests
    (non-flexible versions, 3-8) of a client-to-server byte stream."""
    import struct
    out, o = [], 0
    while o + 8 <= len(stream):
        size, key, ver = struct.unpack(">ihh", stream[o:o + 8])
        end = o + 4 + size
        if size <= 0 or end > len(stream):
            break
        if key == 0 and 3 <= ver <= 8:
            i = o + 12
            n = struct.unpack(">h", stream[i:i + 2])[0]      # client_id
            i += 2 + max(n, 0)
            n = struct.unpack(">h", stream[i:i + 2])[0]      # transactional_id
            i += 2 + max(n, 0) + 2 + 4                        # acks, timeout
            for _ in range(struct.unpack(">i", stream[i:i + 4])[0]):
                i += 4
                n = struct.unpack(">h", stream[i:i + 2])[0]  # topic
                i += 2 + n
                nparts = struct.unpack(">i", stream[i:i + 4])[0]
                i += 4
                for _ in range(nparts):
                    rlen = struct.unpack(">i", stream[i + 4:i + 8])[0]
                    b, rend = i + 8, i + 8 + max(rlen, 0)
                    while b + 12 <= rend:
                        blen = struct.unpack(">i", stream[b + 8:b + 12])[0]
                        out.append((b + 17, b + 12 + blen))
                        b += 12 + blen
                    i = rend
        o = end
    return out


class Cover:
    """Earliest time a segment covering a stream offset was seen
    (segments are at most a frame's payload: no TSO/GSO on these veths)."""

    def __init__(self, segs):
        self.segs = sorted((s, s + len(d), t) for s, d, t in segs)
        self.starts = [x[0] for x in self.segs]

    def __call__(self, at):
        import bisect
        hi = bisect.bisect_right(self.starts, at)
        lo = bisect.bisect_left(self.starts, at - 65536)
        ts = [t for s, e, t in self.segs[lo:hi] if s <= at < e]
        return min(ts) if ts else None


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def held(a):
    cli, srv = pcap_segments(a.client, a.port), pcap_segments(a.server, a.port)
    crc, span, other = [], [], []
    for sport, (isn, segs) in cli.items():
        if not segs or sport not in srv:
            continue
        out = srv[sport][1]
        size = max(s + len(d) for s, d, t in segs)
        stream = bytearray(size)
        for s, d, t in sorted(segs, key=lambda x: x[2], reverse=True):
            stream[s:s + len(d)] = d     # the first copy last: it wins
        # Index the server side by start offset: first arrival of each.
        first_out = {}
        for s, d, t in out:
            if s not in first_out or t < first_out[s][1]:
                first_out[s] = (len(d), t)
        import bisect
        carriers = []
        cin, cout = Cover(segs), Cover(out)
        for at, bend in crc_offsets(bytes(stream)):
            t_in = cin(at)
            t_out = cout(at)
            t_last = cin(bend - 1)
            if None in (t_in, t_out, t_last):
                continue
            crc.append(t_out - t_in)
            span.append(t_last - t_in)
            carriers.append(at)
        carriers.sort()
        for s, d, t in segs:
            k = bisect.bisect_left(carriers, s)
            if k < len(carriers) and carriers[k] < s + len(d):
                continue
            if s in first_out:
                other.append(first_out[s][1] - t)
    r = {"crc_packets": len(crc)}
    for name, xs in (("crc_held", crc), ("batch_send", span),
                     ("other_transit", other)):
        r[name] = {"p50": pct(xs, 0.5), "p99": pct(xs, 0.99),
                   "max": max(xs) if xs else None,
                   "mean": round(sum(xs) / len(xs), 1) if xs else None}
        for k in ("p50", "p99", "max"):
            if r[name][k] is not None:
                r[name][k] = round(r[name][k], 1)
    print(json.dumps(r))
    return 0


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_us(us):
    if us is None:
        return "-"
    if us >= 1000:
        return "%.1f ms" % (us / 1000.0)
    return "%d us" % round(us)


def report(a):
    runs = [json.loads(line) for line in open(a.runs) if line.strip()]
    caps = [r for r in runs if r["mode"] == "capture"]
    runs = [r for r in runs if r["mode"] != "capture"]
    batches = sorted({r["batch"] for r in runs})
    modes = [m for m in ("direct", "wiremask", "direct+idle")
             if any(r["mode"] == m for r in runs)]
    points = []
    bad = [r for r in runs if not r["ok"]]
    for b in batches:
        p = {"batch": b}
        for m in modes:
            rs = [r for r in runs if r["batch"] == b and r["mode"] == m]
            p[m] = {"failed": sum(1 for r in rs if not r["ok"])}
            rs = [r for r in rs if r["ok"]]
            p[m].update({"rps": [r["rps"] for r in rs],
                    "rps_median": med([r["rps"] for r in rs]),
                    "broker_cpu_share": med(
                        [r["broker_cpu_s"] / r["wall_s"] for r in rs]),
                    "producer_cpu_share": med(
                        [r["producer_cpu_s"] / r["wall_s"] for r in rs]),
                    "wm_cpu_share": med(
                        [r["wm_cpu_s"] / r["wall_s"] for r in rs
                         if r.get("wm_cpu_s") is not None])})
        # Ratios of runs side by side: same round, same batch size.
        for m in modes:
            if m == "direct":
                continue
            rat = []
            for rnd in sorted({r["round"] for r in runs}):
                d = [r for r in runs if r["batch"] == b and
                     r["round"] == rnd and r["mode"] == "direct"]
                w = [r for r in runs if r["batch"] == b and
                     r["round"] == rnd and r["mode"] == m]
                if d and w and d[0]["ok"] and w[0]["ok"]:
                    rat.append(w[0]["rps"] / d[0]["rps"])
            p[m]["ratio"] = [round(x, 3) for x in rat]
            p[m]["ratio_median"] = round(med(rat), 3) if rat else None
        ws = [r for r in runs if r["batch"] == b and r["mode"] == "wiremask"]
        if ws:
            c = [r["counters"] for r in ws]
            # Runs that completed say it best; a stalled one, what it stored.
            pb = [r["stored"] / x["kafka.batches"] for r, x in zip(ws, c)
                  if x["kafka.batches"] and r["ok"]] or \
                [r["stored"] / x["kafka.batches"] for r, x in zip(ws, c)
                 if x["kafka.batches"]]
            p["records_per_batch"] = round(med(pb) or 0, 1)
            p["held_us"] = {
                "p50": med([r["held_us"]["p50"] for r in ws]),
                "p99": med([r["held_us"]["p99"] for r in ws]),
                "max": max(r["held_us"]["max"] for r in ws)}
            p["held_mean_us"] = med([r.get("held_mean_us") for r in ws])
            p["held_count"] = med([r.get("held_count") for r in ws])
            for k in ("kafka.batches", "kafka.crc_pinned", "kafka.crc_fixed",
                      "stream.held", "stream.hold_timeout"):
                p[k] = med([x[k] for x in c])
            p["crc_bad_or_failed"] = sum(x["kafka.crc_bad"] +
                                         x["kafka.crc_failed"] for x in c)
            p["late_match"] = sum(x["mask.late_match"] for x in c)
            p["masked_per_run"] = med([sum(r["masked"].values()) for r in ws])
            p["drops"] = sum(sum(r["drops"].values()) for r in ws)
            p["drop_reasons"] = sorted({k for r in ws for k in r["drops"]})
            p["hold_masked_bytes"] = sum(x["stream.hold_masked"] for x in c)
            p["retransmits"] = sum(x["reasm.retransmit"] for x in c)
            p["passed"] = sum(sum(r["passed"].values()) for r in ws)
            p["wm_cpu_share"] = med([r["wm_cpu_s"] / r["wall_s"] for r in ws
                                     if r.get("wm_cpu_s") is not None])
        cap = [r for r in caps if r["batch"] == b]
        if cap:
            p["capture"] = {k: cap[0][k] for k in (
                "crc_packets", "crc_held", "batch_send", "other_transit",
                "kafka.crc_pinned", "kafka.batches")}
        points.append(p)

    n = runs[0]["records"] if runs else 0
    rounds = len({r["round"] for r in runs})
    print("# Kafka produce: %d records a run, %d round(s), kcat -P "
          "compression.codec=none -> kafka_broker.py" % (n, rounds))
    if a.cores or a.load:
        print("# machine: %s core(s), load average before: %s"
              % (a.cores or "?", a.load or "?"))
    print()
    hdr = "| records/batch (asked) | direct rec/s | through wiremask rec/s | ratio |"
    sep = "|---|---|---|---|"
    if "direct+idle" in modes:
        hdr += " direct, wiremask idle rec/s | ratio |"
        sep += "---|---|"
    hdr += " broker CPU (direct / wm) |"
    sep += "---|"
    print(hdr)
    print(sep)
    for p in points:
        d, w = p["direct"], p.get("wiremask", {})
        row = "| %d | %s | %s | %s |" % (
            p["batch"], " / ".join("%.0f" % x for x in d["rps"]) +
            (" (%d stalled)" % d["failed"] if d["failed"] else ""),
            " / ".join("%.0f" % x for x in w.get("rps", [])) +
            (" (%d stalled)" % w["failed"] if w.get("failed") else ""),
            "%.2f (%s)" % (w["ratio_median"], " / ".join(
                "%.2f" % x for x in w["ratio"])) if w.get("ratio") else "-")
        if "direct+idle" in modes:
            i = p["direct+idle"]
            row += " %s | %s |" % (
                " / ".join("%.0f" % x for x in i["rps"]),
                "%.2f" % i["ratio_median"] if i.get("ratio_median") else "-")
        row += " %s / %s |" % tuple(
            "-" if x is None else "%.0f %%" % (100 * x)
            for x in (d["broker_cpu_share"], w.get("broker_cpu_share")))
        print(row)
    print()
    print("| records/batch asked | seen (records / kafka.batches) | "
          "CRC packets pinned | CRCs rewritten | held p50 / p99 / max | "
          "held mean (count) | stream.held | hold timeouts |")
    print("|---|---|---|---|---|---|---|---|")
    for p in points:
        if "held_us" not in p:
            continue
        h = p["held_us"]
        print("| %d | %s | %d | %d | %s / %s / %s | %s (%d) | %d | %d |" % (
            p["batch"], p["records_per_batch"], p["kafka.crc_pinned"],
            p["kafka.crc_fixed"], fmt_us(h["p50"]), fmt_us(h["p99"]),
            fmt_us(h["max"]), fmt_us(p["held_mean_us"]),
            p["held_count"] or 0, p["stream.held"],
            p["stream.hold_timeout"]))
    print()
    if any("capture" in p for p in points):
        print("| records/batch asked | batches (CRC packets) | CRC packet held "
              "p50 / p99 / max | batch sent by the client in p50 / p99 | "
              "other packets' transit p50 / p99 |")
        print("|---|---|---|---|---|")
        for p in points:
            c = p.get("capture")
            if not c:
                continue
            h, sd, o = c["crc_held"], c["batch_send"], c["other_transit"]
            print("| %d | %d (%d pinned) | %s / %s / %s | %s / %s | %s / %s |"
                  % (p["batch"], c["crc_packets"], c["kafka.crc_pinned"],
                     fmt_us(h["p50"]), fmt_us(h["p99"]), fmt_us(h["max"]),
                     fmt_us(sd["p50"]), fmt_us(sd["p99"]),
                     fmt_us(o["p50"]), fmt_us(o["p99"])))
        print()
    for p in points:
        if "held_us" in p:
            print("# batch %d (all rounds): values masked a run %d (3 a "
                  "record), CRC bad/failed %d, late matches %d, drops %d %s, "
                  "retransmissions seen %d, bytes masked at hold timeouts "
                  "%d, passed unscanned %d; wiremask CPU %.0f %% of the "
                  "run's wall time (its worker busy-polls)"
                  % (p["batch"], p["masked_per_run"] or 0,
                     p["crc_bad_or_failed"], p["late_match"], p["drops"],
                     ",".join(p["drop_reasons"]), p["retransmits"],
                     p["hold_masked_bytes"], p["passed"],
                     100 * (p["wm_cpu_share"] or 0)))
            i = p.get("direct+idle", {})
            if i.get("wm_cpu_share") is not None:
                print("# batch %d: wiremask idle (no traffic) used %.0f %% "
                      "of a core during the direct runs"
                      % (p["batch"], 100 * i["wm_cpu_share"]))
    for r in bad:
        print("# FAILED run: %s batch %d round %d: broker stored %d of %d"
              % (r["mode"], r["batch"], r["round"], r["stored"],
                 r["records"]))
    print(json.dumps({"bench": "kafka", "records": n, "rounds": rounds,
                      "cores": a.cores, "load": a.load,
                      "all_stored": not bad, "points": points}))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("file")
    g.add_argument("--records", type=int, required=True)
    g.add_argument("--size", type=int, default=200)
    g.add_argument("--seed", type=int, default=41)
    r = sub.add_parser("run")
    r.add_argument("--mode", required=True)
    r.add_argument("--batch", type=int, required=True)
    r.add_argument("--round", type=int, required=True)
    r.add_argument("--records", type=int, required=True)
    r.add_argument("--time", required=True)
    r.add_argument("--hw", type=int, required=True)
    r.add_argument("--broker-cpu", type=float, required=True)
    r.add_argument("--stats")
    r.add_argument("--metrics")
    r.add_argument("--wm-cpu", type=float)
    h = sub.add_parser("held")
    h.add_argument("client")
    h.add_argument("server")
    h.add_argument("--port", type=int, default=9092)
    p = sub.add_parser("report")
    p.add_argument("runs")
    p.add_argument("--cores")
    p.add_argument("--load")
    a = ap.parse_args()
    return {"gen": gen, "run": run, "held": held,
            "report": report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
