#!/usr/bin/python3
"""Captures for the protocol stage's decoded views, and their verdict.

  proto_captures.py gen DIR        write DIR/decoded.pcap (whole segments)
                                   and DIR/decoded_1byte.pcap (1-byte ones)
  proto_captures.py check IN OUT   judge OUT, the masked IN

Values travel as applications send them: a query string and a urlencoded
form (percent-encoding, '+'), a JSON body (\\uXXXX, \\/), a chunked response
whose chunk boundaries cut a card. The verdict decodes what left the way
the application would (urllib, json, chunk framing) and checks that no
value is readable, every encoding is still valid, and nothing but the
values changed.
"""
import json
import re
import sys
import urllib.parse

from scapy.all import IP, TCP, Ether, Raw, rdpcap, wrpcap

CARD, EMAIL, EMAIL2, SSN = ("4111 1111 1111 1111", "jane.doe@example.org",
                            "jane.roe@example.com", "123-45-6789")
FORM = (b"card=4111+1111+1111+1111&email=jane.doe%40example.org"
        b"&ssn=123%2D45%2D6789&x=1")
QUERY = b"/f?q=jane.roe%40example.com&c=4111%201111%201111%201111"
JSON = (b'{"card": "4111\\u00201111\\u00201111\\u00201111", '
        b'"email": "jane.doe\\u0040example.org", "u": "http:\\/\\/x"}')
CHUNKED = (b'e\r\n{"card": "4111\r\n9\r\n 1111 111\r\n7\r\n1 1111"\r\n0\r\n\r\n')


def requests():
    r1 = (b"POST " + QUERY + b" HTTP/1.1\r\nHost: x\r\n"
          b"Content-Type: application/x-www-form-urlencoded\r\n"
          b"Content-Length: %d\r\n\r\n" % len(FORM) + FORM)
    r2 = (b"POST /j HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % len(JSON) + JSON)
    resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKED
    return [r1, r2], [resp, resp]


def conversation(path, cut):
    c, s, sp, dp = "10.0.0.1", "10.0.0.2", 40000, 80
    pk, t = [], [1.0]

    def add(p):
        p.time = t[0]
        t[0] += 0.0001
        pk.append(p)
    cs, ss = 1000, 5000
    add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="S", seq=cs - 1))
    add(Ether() / IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="SA", seq=ss - 1, ack=cs))
    add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="A", seq=cs, ack=ss))
    reqs, resps = requests()
    for r, resp in zip(reqs, resps):
        for i in range(0, len(r), cut or len(r)):
            p = r[i:i + (cut or len(r))]
            add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="PA", seq=cs, ack=ss) / p)
            cs += len(p)
        add(Ether() / IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="PA", seq=ss, ack=cs) / resp)
        ss += len(resp)
        add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="A", seq=cs, ack=ss))
    add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="FA", seq=cs, ack=ss))
    add(Ether() / IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="FA", seq=ss, ack=cs + 1))
    add(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="A", seq=cs + 1, ack=ss + 1))
    wrpcap(path, pk)


def streams(path):
    cli, srv = b"", b""
    for p in rdpcap(path):
        if TCP in p and Raw in p:
            if p[TCP].dport == 80:
                cli += bytes(p[Raw].load)
            else:
                srv += bytes(p[Raw].load)
    return cli, srv


def dechunk(b):
    out, i = b"", 0
    while True:
        j = b.index(b"\r\n", i)
        n = int(b[i:j], 16)
        if n == 0:
            return out
        out += b[j + 2:j + 2 + n]
        i = j + 4 + n


def check(inp, out):
    bad = []
    ci, si = streams(inp)
    co, so = streams(out)
    if len(ci) != len(co) or len(si) != len(so):
        return ["lengths differ"]
    # Outside the values' wire bytes nothing changed.
    for a, b, what in ((ci, co, "requests"), (si, so, "responses")):
        for k in range(len(a)):
            if a[k] != b[k] and not (chr(a[k]).isalnum() or a[k] in b" +"):
                bad.append("%s: byte %d (%r) changed to %r" % (what, k, a[k:k+1], b[k:k+1]))
                break
    # Every percent escape is still one, every JSON string still parses.
    if re.search(rb"%(?![0-9A-Fa-f]{2})", co):
        bad.append("a broken percent escape: %r" % re.search(rb"%.{0,2}", co).group())
    q = urllib.parse.unquote_plus(co.split(b" ")[1].split(b"?", 1)[1].decode())
    form = co.split(b"\r\n\r\n", 1)[1].split(b"POST", 1)[0]
    fd = urllib.parse.unquote_plus(form.decode())
    try:
        body = co.split(b"\r\n\r\n")[2]
        js = json.dumps(json.loads(body.decode()))
    except ValueError as e:
        bad.append("the JSON body no longer parses: %s" % e)
        js = ""
    resp = dechunk(so.split(b"\r\n\r\n", 1)[1]).decode()
    for text, what in ((q, "query"), (fd, "form"), (js, "json"), (resp, "chunked body")):
        for v in (CARD, EMAIL, EMAIL2, SSN):
            if v in text:
                bad.append("%s: %s readable after decoding" % (what, v))
    if "4111" not in q and "****" not in q:
        bad.append("query: nothing masked")
    return bad


def main():
    if sys.argv[1] == "gen":
        conversation(sys.argv[2] + "/decoded.pcap", 0)
        conversation(sys.argv[2] + "/decoded_1byte.pcap", 1)
        return 0
    bad = check(sys.argv[2], sys.argv[3])
    for b in bad:
        print("  FAIL %s" % b)
    if not bad:
        print("  ok   decoded values masked, escapes valid, nothing else changed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
