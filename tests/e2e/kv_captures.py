#!/usr/bin/python3
"""Captures of Redis and MQTT conversations for the protocol stage, and
their verdict.

  kv_captures.py gen DIR        write DIR/kv.pcap (whole segments) and
                                DIR/kv_1byte.pcap (1-byte segments)
  kv_captures.py check IN OUT   judge OUT, the masked IN

Redis (port 6379) and MQTT (port 1883) are identified by content (no pin
in configs/default.cfg). The verdict walks the framing of both streams:
it must be byte for byte what was sent (type bytes, lengths, CRLF; MQTT
fixed headers, topics, properties), every message still parses, the
values in bulk strings and PUBLISH payloads are no longer readable, and
only their bytes changed.
"""
import sys

from scapy.all import IP, TCP, Ether, Raw, rdpcap, wrpcap

CARD, SSN, EMAIL, EMAIL2 = ("4111 1111 1111 1111", "123-45-6789",
                            "jane.doe@example.org", "joe@example.net")
VALUES = (CARD, SSN, EMAIL, "4111111111111111")
TOPIC_EMAIL = "wm/u/" + EMAIL2 + "/inbox"


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for x in args:
        out += b"$%d\r\n%s\r\n" % (len(x), x.encode())
    return out


def redis_exchange():
    reqs = [resp("SET", "card", CARD) + resp("SET", "mail", EMAIL),
            resp("HSET", "u", "ssn", SSN, "email", EMAIL),
            resp("GET", "c2") + b"PING\r\n"]
    resps = [b"+OK\r\n+OK\r\n", b":2\r\n",
             b"$16\r\n4111111111111111\r\n+PONG\r\n"]
    # RESP3: a map whose last value ends the reply with an e-mail
    reqs.append(resp("HGETALL", "u"))
    resps.append(b"%%2\r\n$3\r\nssn\r\n$11\r\n%s\r\n$5\r\nemail\r\n"
                 b"$%d\r\n%s\r\n" % (SSN.encode(), len(EMAIL),
                                     EMAIL.encode()))
    return reqs, resps


def mstr(s):
    return len(s).to_bytes(2, "big") + s.encode()


def varint(n):
    out = b""
    while True:
        b = n & 0x7f
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def publish(topic, payload, props, qos=1):
    body = mstr(topic) + (b"\x00\x07" if qos else b"")
    body += varint(len(props)) + props
    return packet(0x30 | (qos << 1), body + payload.encode())


def mqtt_exchange():
    props = b"\x26" + mstr("mail") + mstr(EMAIL2)   # a user property
    payload = "card %s ssn %s mail %s" % (CARD, SSN, EMAIL)
    connect = packet(0x10, mstr("MQTT") + b"\x05\x02\x00\x3c\x00" +
                     mstr("c1"))
    reqs = [connect, publish(TOPIC_EMAIL, payload, props),
            packet(0x82, b"\x00\x01\x00" + mstr("wm/#") + b"\x00"),
            packet(0xe0, b"\x00\x00")]
    resps = [packet(0x20, b"\x00\x00\x00"), packet(0x40, b"\x00\x07\x00\x00"),
             packet(0x90, b"\x00\x01\x00\x00") +
             publish(TOPIC_EMAIL, payload, props, qos=0), b""]
    return reqs, resps


def conversation(pk, t, c, s, dp, reqs, resps, cut):
    sp = 40000 + dp % 1000

    def add(p):
        p.time = t[0]
        t[0] += 0.0001
        pk.append(p)
    cs, ss = 1000, 5000
    add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="S", seq=cs - 1))
    add(Ether() / IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="SA", seq=ss - 1, ack=cs))
    add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="A", seq=cs, ack=ss))
    for r, resp_ in zip(reqs, resps):
        for i in range(0, len(r), cut or len(r)):
            p = r[i:i + (cut or len(r))]
            add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="PA", seq=cs, ack=ss) / p)
            cs += len(p)
        if resp_:
            add(Ether() / IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="PA", seq=ss, ack=cs) / resp_)
            ss += len(resp_)
        add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="A", seq=cs, ack=ss))
    add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="FA", seq=cs, ack=ss))
    add(Ether() / IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="FA", seq=ss, ack=cs + 1))
    add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="A", seq=cs + 1, ack=ss + 1))


def gen(path, cut):
    pk, t = [], [1.0]
    conversation(pk, t, "10.0.0.1", "10.0.0.2", 6379, *redis_exchange(), cut)
    conversation(pk, t, "10.0.0.1", "10.0.0.3", 1883, *mqtt_exchange(), cut)
    wrpcap(path, pk)


def streams(path):
    out = {}
    for p in rdpcap(path):
        if TCP in p and Raw in p:
            srv = min(p[TCP].sport, p[TCP].dport)
            key = (srv, p[TCP].dport == srv)
            out[key] = out.get(key, b"") + bytes(p[Raw].load)
    return out


def resp_regions(b):
    """Framing of a RESP stream: [(start, end)] of bulk strings' bytes
    (the rest is framing). Raises ValueError if it does not parse."""
    regions, i, owed = [], 0, 0
    while i < len(b):
        t = b[i:i + 1]
        j = b.index(b"\r\n", i)
        owed = owed or 1
        if t in b"$!=":
            n = int(b[i + 1:j])
            regions.append((j + 2, j + 2 + n))
            if b[j + 2 + n:j + 4 + n] != b"\r\n":
                raise ValueError("bulk string at %d not followed by CRLF" % i)
            i = j + 4 + n
            owed -= 1
        elif t in b"*%~>":
            n = int(b[i + 1:j]) * (2 if t == b"%" else 1)
            owed += n - 1
            i = j + 2
        elif t in b"+-:_#,(" or owed == 1:
            i = j + 2   # a simple element, or an inline command
            owed -= 1
        else:
            raise ValueError("type byte %r at %d" % (t, i))
    if owed:
        raise ValueError("the stream ends inside a message")
    return regions


def mqtt_regions(b, v5=True):
    """PUBLISH payloads of an MQTT stream: [(start, end)]."""
    regions, i = [], 0
    while i < len(b):
        first, k, n, shift = b[i], i + 1, 0, 0
        while True:
            n |= (b[k] & 0x7f) << shift
            shift += 7
            k += 1
            if not b[k - 1] & 0x80:
                break
        end = k + n
        if first >> 4 == 3:
            tl = int.from_bytes(b[k:k + 2], "big")
            h = k + 2 + tl + (2 if first & 6 else 0)
            if v5:
                pl, m, shift = 0, h, 0
                while True:
                    pl |= (b[m] & 0x7f) << shift
                    shift += 7
                    m += 1
                    if not b[m - 1] & 0x80:
                        break
                h = m + pl
            regions.append((h, end))
        i = end
    if i != len(b):
        raise ValueError("the stream ends inside a packet")
    return regions


def check(inp, out):
    bad = []
    si, so = streams(inp), streams(out)
    for key in sorted(si):
        what = "%s %s" % ("redis" if key[0] == 6379 else "mqtt",
                          "requests" if key[1] else "replies")
        a, b = si[key], so.get(key, b"")
        if len(a) != len(b):
            bad.append("%s: length %d, sent %d" % (what, len(b), len(a)))
            continue
        try:
            regions = (resp_regions(b) if key[0] == 6379 else
                       mqtt_regions(b))
        except (ValueError, IndexError) as e:
            bad.append("%s: the output no longer parses: %s" % (what, e))
            continue
        # Only the bytes of bulk strings and payloads may change.
        for k in range(len(a)):
            if a[k] != b[k] and not any(s <= k < e for s, e in regions):
                bad.append("%s: framing byte %d changed (%r -> %r)" %
                           (what, k, a[k:k + 1], b[k:k + 1]))
                break
        for v in VALUES:
            if v.encode() in b:
                bad.append("%s: %s readable" % (what, v))
        if a == b:
            bad.append("%s: nothing masked" % what)
        if key[0] == 1883 and TOPIC_EMAIL.encode() in a and \
                b.count(TOPIC_EMAIL.encode()) != a.count(TOPIC_EMAIL.encode()):
            bad.append("%s: the topic changed" % what)
        if key[0] == 1883 and b.count(EMAIL2.encode()) != a.count(EMAIL2.encode()):
            bad.append("%s: a topic or user property changed" % what)
    return bad


def main():
    if sys.argv[1] == "gen":
        gen(sys.argv[2] + "/kv.pcap", 0)
        gen(sys.argv[2] + "/kv_1byte.pcap", 1)
        return 0
    bad = check(sys.argv[2], sys.argv[3])
    for b in bad:
        print("  FAIL %s" % b)
    if not bad:
        print("  ok   Redis and MQTT: values masked, framing, topics and "
              "properties unchanged, every message still parses")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
