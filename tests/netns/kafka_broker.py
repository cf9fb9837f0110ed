#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Just enough of a Kafka broker for scripts/netns-demo.sh phase kafka.

One node, topics made on first use with one partition, kept in memory.
Speaks ApiVersions (v0-v3), Metadata (v1-v4), Produce (v3-v7), Fetch
(v4-v11) and ListOffsets (v1-v4): non-flexible versions only (ApiVersions
v3 aside, which every client tries first), and it says so in its
ApiVersions answer, so clients stay below the flexible ones.

Every v2 record batch a producer sends is checked as Kafka's broker
checks it: its CRC32C over attributes .. end must match, else the
partition answers CORRUPT_MESSAGE (2) and the batch is not stored. What
it received (records decoded, CRC failures) is written as JSON lines to
--log. --seed TOPIC=FILE stores a topic's records (lines "key|value")
at start, as if produced directly, so a consumer fetches them through
the appliance unmasked at the broker.
"""
import argparse
import json
import socket
import struct
import sys
import threading
import time

CORRUPT_MESSAGE = 2
UNSUPPORTED_VERSION = 35

# (api_key, min, max): non-flexible versions (ApiVersions v3 aside).
APIS = [(0, 3, 7), (1, 4, 11), (2, 1, 4), (3, 1, 4), (18, 0, 3)]

_T = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ (0x82F63B78 if _c & 1 else 0)
    _T.append(_c)


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = _T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class R:
    """A reader over one message's bytes."""

    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        v = self.b[self.i:self.i + n]
        if len(v) != n:
            raise ValueError("short message")
        self.i += n
        return v

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def uvarint(self):
        v = s = 0
        while True:
            x = self.take(1)[0]
            v |= (x & 0x7F) << s
            s += 7
            if not x & 0x80:
                return v

    def varint(self):
        u = self.uvarint()
        return (u >> 1) ^ -(u & 1)

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def cstring(self):
        n = self.uvarint() - 1
        return None if n < 0 else self.take(n).decode()

    def bytes(self):
        n = self.i32()
        return None if n < 0 else self.take(n)

    def array(self, f):
        n = self.i32()
        return [] if n < 0 else [f() for _ in range(n)]


def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode()
    return i16(len(b)) + b


def array(items):
    return i32(len(items)) + b"".join(items)


def uvarint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def varint(v):
    return uvarint((v << 1) ^ (v >> 31))


def records_of(batch):
    """(key, value, headers) of a v2 batch's records (uncompressed)."""
    r = R(batch)
    r.take(57)
    n = r.i32()
    out = []
    for _ in range(n):
        r.varint()
        r.take(1)
        r.varint()
        r.varint()
        k = r.varint()
        key = None if k < 0 else r.take(k)
        v = r.varint()
        val = None if v < 0 else r.take(v)
        hs = []
        for _ in range(r.varint()):
            hk = r.take(r.varint())
            hv = r.varint()
            hs.append((hk, None if hv < 0 else r.take(hv)))
        out.append((key, val, hs))
    return out


def make_batch(recs, base=0):
    """A v2 batch of (key, value) records, CRC32C computed."""
    body = b""
    for i, (k, v) in enumerate(recs):
        rb = b"\0" + varint(0) + varint(i)
        rb += varint(-1) if k is None else varint(len(k)) + k
        rb += varint(len(v)) + v + varint(0)
        body += varint(len(rb)) + rb
    now = int(time.time() * 1000)
    after = (i16(0) + i32(len(recs) - 1) + i64(now) + i64(now) + i64(-1) +
             i16(-1) + i32(-1) + i32(len(recs)) + body)
    crc = crc32c(after)
    head = i32(0) + i8(2) + struct.pack(">I", crc)
    return i64(base) + i32(len(head) + len(after)) + head + after


class Broker:
    def __init__(self, host, port, log):
        self.host, self.port = host, port
        self.lock = threading.Lock()
        self.topics = {}        # name -> list of (base, count, batch)
        self.log = open(log, "a") if log else None

    def note(self, **kw):
        if self.log:
            with self.lock:
                self.log.write(json.dumps(kw) + "\n")
                self.log.flush()

    def hw(self, t):
        b = self.topics.get(t, [])
        return b[-1][0] + b[-1][1] if b else 0

    def store(self, t, batch):
        """Store a batch (offsets assigned); False if its CRC is wrong."""
        magic = batch[16]
        if magic != 2 or len(batch) < 61:
            return False
        want = struct.unpack(">I", batch[17:21])[0]
        if crc32c(batch[21:]) != want:
            return False
        count = struct.unpack(">i", batch[57:61])[0]
        with self.lock:
            base = self.hw(t)
            self.topics.setdefault(t, []).append(
                (base, count, i64(base) + batch[8:]))
        return True

    # ---- requests ----

    def api_versions(self, ver, r):
        keys = [i16(k) + i16(a) + i16(b) + (b"\0" if ver >= 3 else b"")
                for k, a, b in APIS]
        if ver >= 3:
            return (i16(0) + uvarint(len(keys) + 1) + b"".join(keys) +
                    i32(0) + b"\0")
        return i16(0) + array(keys) + (i32(0) if ver >= 1 else b"")

    def metadata(self, ver, r):
        names = r.array(r.string)
        if not names:
            names = list(self.topics)
        out = i32(0) if ver >= 3 else b""
        out += array([i32(1) + string(self.host) + i32(self.port) +
                      string(None)])
        if ver >= 2:
            out += string("wiremask-test")
        out += i32(1)
        tops = []
        for t in names:
            self.topics.setdefault(t, [])
            part = (i16(0) + i32(0) + i32(1) + array([i32(1)]) +
                    array([i32(1)]))
            tops.append(i16(0) + string(t) + i8(0) + array([part]))
        return out + array(tops)

    def produce(self, ver, r):
        r.string()                      # transactional_id
        r.i16()                         # acks
        r.i32()
        resp = []
        for _ in range(r.i32()):
            t = r.string()
            parts = []
            for _ in range(r.i32()):
                p = r.i32()
                recs = r.bytes() or b""
                err = 0
                base = self.hw(t)
                i = 0
                while i + 12 <= len(recs):
                    n = struct.unpack(">i", recs[i + 8:i + 12])[0]
                    b = recs[i:i + 12 + n]
                    if not self.store(t, b):
                        err = CORRUPT_MESSAGE
                        self.note(event="corrupt", topic=t)
                        break
                    for k, v, hs in records_of(b):
                        self.note(event="record", topic=t,
                                  key=None if k is None else k.decode("latin-1"),
                                  value=v.decode("latin-1"),
                                  headers=[[a.decode("latin-1"),
                                            None if c is None else
                                            c.decode("latin-1")]
                                           for a, c in hs])
                    i += 12 + n
                part = i32(p) + i16(err) + i64(base) + i64(-1)
                if ver >= 5:
                    part += i64(0)
                parts.append(part)
            resp.append(string(t) + array(parts))
        return array(resp) + i32(0)

    def fetch(self, ver, r):
        r.i32()
        max_wait = r.i32()
        r.i32()
        r.i32()
        r.i8()
        if ver >= 7:
            r.i32()
            r.i32()
        want = []
        for _ in range(r.i32()):
            t = r.string()
            for _ in range(r.i32()):
                p = r.i32()
                if ver >= 9:
                    r.i32()
                off = r.i64()
                if ver >= 5:
                    r.i64()
                r.i32()
                want.append((t, p, off))
        have = any(self.hw(t) > off for t, p, off in want)
        if not have:
            time.sleep(min(max_wait, 200) / 1000.0)
        out = i32(0)
        if ver >= 7:
            out += i16(0) + i32(0)
        tops = []
        for t, p, off in want:
            with self.lock:
                bs = [b for base, n, b in self.topics.get(t, [])
                      if base + n > off]
            recs = b"".join(bs)
            part = i32(p) + i16(0) + i64(self.hw(t)) + i64(self.hw(t))
            if ver >= 5:
                part += i64(0)
            part += i32(-1)
            if ver >= 11:
                part += i32(-1)
            part += i32(len(recs)) + recs
            tops.append(string(t) + array([part]))
        return out + array(tops)

    def list_offsets(self, ver, r):
        r.i32()
        if ver >= 2:
            r.i8()
        tops = []
        for _ in range(r.i32()):
            t = r.string()
            parts = []
            for _ in range(r.i32()):
                p = r.i32()
                if ver >= 4:
                    r.i32()
                ts = r.i64()
                off = 0 if ts == -2 else self.hw(t)
                part = i32(p) + i16(0) + i64(-1) + i64(off)
                if ver >= 4:
                    part += i32(0)
                parts.append(part)
            tops.append(string(t) + array(parts))
        return (i32(0) if ver >= 2 else b"") + array(tops)

    def serve(self, conn):
        f = conn.makefile("rb")
        handlers = {18: self.api_versions, 3: self.metadata, 0: self.produce,
                    1: self.fetch, 2: self.list_offsets}
        try:
            while True:
                head = f.read(4)
                if len(head) < 4:
                    return
                msg = f.read(struct.unpack(">i", head)[0])
                r = R(msg)
                key, ver, corr = r.i16(), r.i16(), r.i32()
                r.string()              # client_id
                rng = {k: (a, b) for k, a, b in APIS}.get(key)
                if key == 18 and ver >= 3:
                    r.uvarint()         # header tags
                if rng is None or not rng[0] <= ver <= rng[1]:
                    if key != 18:
                        self.note(event="unsupported", key=key, ver=ver)
                        return
                    body = i16(UNSUPPORTED_VERSION) + array(
                        [i16(k) + i16(a) + i16(b) for k, a, b in APIS])
                else:
                    body = handlers[key](ver, r)
                out = i32(corr) + body
                conn.sendall(i32(len(out)) + out)
        except (ValueError, OSError) as e:
            self.note(event="error", error=str(e))
        finally:
            conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9092)
    ap.add_argument("--log")
    ap.add_argument("--ready")
    ap.add_argument("--seed", action="append", default=[],
                    help="TOPIC=FILE: records (lines key|value) stored at start")
    a = ap.parse_args()
    b = Broker(a.host, a.port, a.log)
    for s in a.seed:
        t, path = s.split("=", 1)
        recs = []
        for line in open(path, "rb").read().splitlines():
            k, _, v = line.partition(b"|")
            recs.append((k or None, v))
        for i in range(0, len(recs), 10):
            assert b.store(t, make_batch(recs[i:i + 10]))
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.host, a.port))
    srv.listen(16)
    if a.ready:
        open(a.ready, "w").write("ok\n")
    while True:
        c, _ = srv.accept()
        threading.Thread(target=b.serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
