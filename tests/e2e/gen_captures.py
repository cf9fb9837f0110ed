#!/usr/bin/python3
"""Write the end-to-end test captures of wiremask.

Every case is a pcap of complete TCP connections (3-way handshake, HTTP/1.1
JSON data in both directions, FIN/ACK close) carrying synthetic sensitive
values: test card numbers that pass Luhn, SSNs valid under the SSA rules,
e-mail addresses on example domains. Nothing here is real personal data.

Output is deterministic: fixed seeds, fixed timestamps, fixed ISNs, so two
runs write byte-identical files. Checksums are computed by scapy.

Next to each CASE.pcap a CASE.json manifest says what the generator put in:
  {"case": ..., "values": {"card": N, "ssn": N, "email": N},
   "identical": bool, "frames": N, "description": ...}

Usage:
  gen_captures.py OUTDIR [CASE ...]      all cases (or the named ones)
  gen_captures.py --list                 case names, one per line
  gen_captures.py --sample FILE          the small demo capture
                                         (configs/samples/sample-http.pcap)
  gen_captures.py --mask-reference IN OUT [SPOIL[,SPOIL...]]
                  mask IN by hand the way the default policy should (to
                  test the checker); SPOIL none|leak|collateral|badsum|
                  drop|reorder|retrans_clear|retrans_own spoils it; with
                  several, OUT holds {}

Needs Debian's scapy: run with /usr/bin/python3.
"""
import json
import logging
import os
import random
import sys

logging.getLogger('scapy.runtime').setLevel(logging.ERROR)

from scapy.all import Ether, IP, IPv6, TCP, UDP, Dot1Q, Dot1AD, conf  # noqa: E402
from scapy.layers.vxlan import VXLAN  # noqa: E402
from scapy.utils import PcapWriter  # noqa: E402

conf.verb = 0

BASE_TIME = 1700000000.0   # 2023-11-14T22:13:20Z, fixed
TIME_STEP = 0.00002        # 20 us between frames: a busy link, well inside
                           # the default hold timeout (1 ms) even for a value
                           # sent in 1-byte segments or interleaved with 4 flows
MSS = 1448

# Synthetic values. Cards are public test numbers (all pass Luhn).
CARDS = [
    '4111111111111111',       # Visa test
    '5500 0000 0000 0004',    # Mastercard test, space separated
    '3782-822463-10005',      # Amex test, dash separated (4-6-5)
    '6011111111111117',       # Discover test
    '4012888888881881',       # Visa test
    '5105105105105100',       # Mastercard test
    '4222222222222',          # Visa test, 13 digits
    '3530111333300000',       # JCB test
    '4000056655665556',       # Visa debit test
    '2223003122003222',       # Mastercard 2-series test
]
# Area not 000/666/9xx, group not 00, serial not 0000; not a known
# advertising number (078-05-1120) nor 123-45-6789.
SSNS = ['372-18-4455', '501-22-3344', '219-45-6781', '458-61-2093',
        '634-07-1188', '287-33-9021', '145-92-6670', '803-14-5527']
EMAILS = ['john.doe@example.com', 'jane.roe@example.org',
          'alice.w@mail.example.net', 'bob_smith@example.co.uk',
          'carol+billing@example.com', 'dave.h@shop.example.org',
          'erin.k@example.net', 'frank.o@corp.example.com',
          'grace_lee@example.io', 'heidi.n@example.org']

CLIENT_MAC = '02:00:00:00:01:01'
SERVER_MAC = '02:00:00:00:02:02'
VTEP_A_MAC = '02:00:00:00:0a:01'
VTEP_B_MAC = '02:00:00:00:0b:01'


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _self_check():
    for c in CARDS:
        d = ''.join(ch for ch in c if ch.isdigit())
        assert 13 <= len(d) <= 19 and luhn_ok(d), c
    for s in SSNS:
        a, g, n = s.split('-')
        assert a not in ('000', '666') and a[0] != '9' and g != '00' and n != '0000', s


class Values:
    """Counts the values a case puts on the wire, per kind."""

    def __init__(self):
        self.n = {'card': 0, 'ssn': 0, 'email': 0}

    def card(self, i):
        self.n['card'] += 1
        return CARDS[i % len(CARDS)]

    def ssn(self, i):
        self.n['ssn'] += 1
        return SSNS[i % len(SSNS)]

    def email(self, i):
        self.n['email'] += 1
        return EMAILS[i % len(EMAILS)]


def jdump(obj):
    return json.dumps(obj, separators=(',', ':'))


def http_request(method, path, host, body=None, extra=()):
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: ' + host,
             'User-Agent: wiremask-e2e/1.0', 'Accept: application/json']
    lines += list(extra)
    b = b''
    if body is not None:
        b = body.encode() if isinstance(body, str) else body
        lines += ['Content-Type: application/json', 'Content-Length: %d' % len(b)]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode() + b


def http_response(status, body, ctype='application/json'):
    b = body.encode() if isinstance(body, str) else body
    head = ['HTTP/1.1 ' + status, 'Server: demo/2.4',
            'Date: Tue, 14 Nov 2023 22:13:20 GMT',
            'Content-Type: ' + ctype, 'Content-Length: %d' % len(b)]
    return ('\r\n'.join(head) + '\r\n\r\n').encode() + b


# --- encapsulations -------------------------------------------------------

def enc_plain(inner, to_server):
    src, dst = (CLIENT_MAC, SERVER_MAC) if to_server else (SERVER_MAC, CLIENT_MAC)
    return Ether(src=src, dst=dst) / inner


def enc_vlan(vid):
    def f(inner, to_server):
        src, dst = (CLIENT_MAC, SERVER_MAC) if to_server else (SERVER_MAC, CLIENT_MAC)
        return Ether(src=src, dst=dst) / Dot1Q(vlan=vid) / inner
    return f


def enc_qinq(outer, inner_vid):
    def f(inner, to_server):
        src, dst = (CLIENT_MAC, SERVER_MAC) if to_server else (SERVER_MAC, CLIENT_MAC)
        return Ether(src=src, dst=dst) / Dot1AD(vlan=outer) / Dot1Q(vlan=inner_vid) / inner
    return f


def enc_vxlan(vni, udp_csum):
    """IPv4 VXLAN between two VTEPs. The outer UDP source port differs per
    direction (as a hash of the inner flow would make it). udp_csum False
    writes a zero outer UDP checksum, True a computed one."""
    ids = {True: 0x2000, False: 0x3000}

    def f(inner, to_server):
        if to_server:
            omac, ip_s, ip_d, sport = (VTEP_A_MAC, VTEP_B_MAC), '192.0.2.1', '192.0.2.2', 49721
        else:
            omac, ip_s, ip_d, sport = (VTEP_B_MAC, VTEP_A_MAC), '192.0.2.2', '192.0.2.1', 51234
        ids[to_server] += 1
        udp = UDP(sport=sport, dport=4789) if udp_csum else UDP(sport=sport, dport=4789, chksum=0)
        return (Ether(src=omac[0], dst=omac[1]) /
                IP(src=ip_s, dst=ip_d, id=ids[to_server], flags='DF', ttl=64) /
                udp / VXLAN(flags=0x08, vni=vni) / enc_plain(inner, to_server))
    return f


# --- TCP connection -------------------------------------------------------

class Conn:
    """One TCP connection; methods append frames to self.frames."""

    def __init__(self, rng, cip, sip, cport, sport=80, encap=enc_plain, v6=False):
        self.cip, self.sip, self.cport, self.sport = cip, sip, cport, sport
        self.encap, self.v6 = encap, v6
        self.seq = {True: rng.randrange(1 << 32), False: rng.randrange(1 << 32)}
        self.ipid = {True: rng.randrange(1, 30000), False: rng.randrange(1, 30000)}
        self.frames = []

    def _pkt(self, to_server, flags, payload=b'', opts=None, seq=None, ack=None):
        """to_server: True for client->server. seq: an explicit sequence
        number (the direction's next seq is then left as it is); ack: an
        explicit acknowledgement number."""
        src, dst = (self.cip, self.sip) if to_server else (self.sip, self.cip)
        sp, dp = (self.cport, self.sport) if to_server else (self.sport, self.cport)
        if ack is None:
            ack = self.seq[not to_server] if 'A' in flags else 0
        if 'S' in flags:
            win = 64240 if to_server else 65160
        else:
            win = 502 if to_server else 509     # scaled by 2^7 after the SYNs
        tcp = TCP(sport=sp, dport=dp, flags=flags,
                  seq=self.seq[to_server] if seq is None else seq & 0xffffffff,
                  ack=ack & 0xffffffff, window=win, options=opts or [])
        if self.v6:
            l3 = IPv6(src=src, dst=dst, hlim=64)
        else:
            self.ipid[to_server] = (self.ipid[to_server] + 1) & 0xffff
            l3 = IP(src=src, dst=dst, id=self.ipid[to_server], flags='DF', ttl=64)
        pkt = l3 / tcp
        if payload:
            pkt = pkt / payload
        self.frames.append(self.encap(pkt, to_server))
        if seq is not None:
            return
        adv = len(payload) + (1 if ('S' in flags or 'F' in flags) else 0)
        self.seq[to_server] = (self.seq[to_server] + adv) & 0xffffffff

    def handshake(self):
        self._pkt(True, 'S', opts=[('MSS', MSS), ('SAckOK', b''), ('WScale', 7)])
        self._pkt(False, 'SA', opts=[('MSS', MSS), ('SAckOK', b''), ('WScale', 7)])
        self._pkt(True, 'A')

    def send(self, to_server, data, cuts=None, seg=MSS, ack_every=2):
        """Send data in segments. cuts: explicit offsets where segments end
        (in addition to the MSS limit); seg: largest segment. The peer ACKs
        every ack_every segments and after the last one."""
        bounds = sorted(set([c for c in (cuts or []) if 0 < c < len(data)] + [len(data)]))
        pieces, start = [], 0
        for b in bounds:
            while b - start > seg:
                pieces.append(data[start:start + seg])
                start += seg
            pieces.append(data[start:b])
            start = b
        for i, p in enumerate(pieces):
            self._pkt(to_server, 'PA' if i == len(pieces) - 1 else 'A', p)
            if (i + 1) % ack_every == 0 and i != len(pieces) - 1:
                self._pkt(not to_server, 'A')
        self._pkt(not to_server, 'A')

    def send_ranges(self, to_server, data, ranges, ack_every=2, alt=None, lost=()):
        """Send data[s:e] for each (s, e) of ranges, in that order, each at
        its own stream offset: out of order, duplicated or overlapping as
        the list says. alt: {index in ranges: bytes sent instead of
        data[s:e]} (a retransmission carrying other bytes). lost: indexes
        the peer receives but the capture misses (no frame written). The
        peer ACKs what it holds contiguously every ack_every segments, and
        all of data at the end."""
        alt = alt or {}
        base = self.seq[to_server]
        have = bytearray(len(data))
        for i, (s, e) in enumerate(ranges):
            assert 0 <= s < e <= len(data)
            have[s:e] = b'\x01' * (e - s)
            if i in lost:
                continue
            payload = alt.get(i, data[s:e])
            assert len(payload) == e - s
            self._pkt(to_server, 'PA' if e == len(data) else 'A', payload, seq=base + s)
            if ack_every and (i + 1) % ack_every == 0 and i != len(ranges) - 1:
                held = have.find(b'\x00')
                held = len(data) if held < 0 else held
                self._pkt(not to_server, 'A', ack=base + held)
        self.seq[to_server] = (base + len(data)) & 0xffffffff
        self._pkt(not to_server, 'A')

    def close(self):
        self._pkt(True, 'FA')
        self._pkt(False, 'FA')
        self._pkt(True, 'A')


class Pause:
    """In a frame list: the capture clock jumps by @seconds there (no
    frame is written)."""

    def __init__(self, seconds):
        self.seconds = seconds


def write_pcap(path, frames):
    tmp = path + '.tmp'
    w = PcapWriter(tmp, linktype=1, sync=False)
    extra, i = 0.0, 0
    for f in frames:
        if isinstance(f, Pause):
            extra += f.seconds
            continue
        f.time = BASE_TIME + i * TIME_STEP + extra
        i += 1
        w.write(f)
    w.close()
    os.replace(tmp, path)


def interleave(conns):
    """Round-robin the connections' frames (keeps each flow's own order)."""
    lists = [list(c.frames) for c in conns]
    out = []
    while any(lists):
        for lst in lists:
            if lst:
                out.append(lst.pop(0))
    return out


# --- cases ----------------------------------------------------------------

def payment_exchange(conn, v, k, resp_email=False, cut_in=None):
    """POST a payment with a card, an SSN and an e-mail; the server answers.
    cut_in: None, or a key of the body whose value gets split between two
    segments."""
    body = {'customer': 'Customer %d' % k, 'card': v.card(k), 'exp': '12/29',
            'ssn': v.ssn(k), 'amount': 129.95 + k, 'currency': 'USD'}
    if not resp_email:
        body['email'] = v.email(k)
    req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
    cuts = None
    if cut_in:
        at = req.index(body[cut_in].encode())
        cuts = [at + len(body[cut_in]) // 2]
    conn.send(True, req, cuts=cuts)
    rbody = {'status': 'accepted', 'payment_id': 'pay_%06d' % (1000 + k)}
    if resp_email:
        rbody['receipt_to'] = v.email(k)
    conn.send(False, http_response('201 Created', jdump(rbody)))


def case_one_segment(rng, v):
    c = Conn(rng, '10.1.0.10', '10.1.0.80', 40001)
    c.handshake()
    payment_exchange(c, v, 0)
    c.close()
    return c.frames, 'card, SSN and e-mail inside one request segment'


def case_split_2(rng, v):
    c = Conn(rng, '10.1.0.11', '10.1.0.80', 40002)
    c.handshake()
    body = {'order': 'A-7731', 'card': v.card(1), 'name': 'Jane Roe', 'email': v.email(1)}
    req = http_request('POST', '/api/v1/orders', 'shop.example.com', jdump(body))
    at = req.index(body['card'].encode()) + 9        # "5500 0000 | 0000 0004"
    c.send(True, req, cuts=[at])
    rb = jdump({'status': 'ok', 'verified_ssn': v.ssn(1), 'order': 'A-7731'})
    resp = http_response('200 OK', rb)
    at = resp.index(b'verified_ssn') + len('verified_ssn":"') + 5    # "501-2|2-3344"
    c.send(False, resp, cuts=[at])
    c.close()
    return c.frames, 'a card split across 2 request segments, an SSN across 2 response segments'


def case_split_1byte(rng, v):
    c = Conn(rng, '10.1.0.12', '10.1.0.80', 40003)
    c.handshake()
    body = {'card': v.card(2), 'ssn': v.ssn(1), 'email': v.email(2), 'note': 'one byte at a time'}
    req = http_request('POST', '/api/v1/cards', 'shop.example.com', jdump(body))
    c.send(True, req, seg=1, ack_every=8)
    c.send(False, http_response('204 No Content', b''))
    c.close()
    return c.frames, 'a whole request sent in 1-byte segments'


def case_context_words(rng, v):
    """SSNs written without dashes after a key or words that name them
    (masked), and nine digits under a key that does not (left alone), in
    1-byte request segments."""
    c = Conn(rng, '10.1.0.13', '10.1.0.80', 40004)
    c.handshake()
    bare, spaced, note = (v.ssn(3).replace('-', ''), v.ssn(4).replace('-', ' '),
                          v.ssn(5).replace('-', ''))
    body = ('{"name":"Jane Roe","ssn":"%s","ssn2":"%s","id":"458612093",'
            '"note":"Social Security No. %s"}' % (bare, spaced, note))
    req = http_request('POST', '/api/v1/people', 'hr.example.com', body)
    c.send(True, req, seg=1, ack_every=8)
    c.send(False, http_response('204 No Content', b''))
    c.close()
    return c.frames, 'SSNs without dashes after words that name them, in 1-byte segments'


def simple_case(ip_c, ip_s, port, encap=enc_plain, v6=False, k=0):
    def f(rng, v):
        c = Conn(rng, ip_c, ip_s, port, encap=encap, v6=v6)
        c.handshake()
        payment_exchange(c, v, k, resp_email=True)
        c.close()
        return c.frames
    return f


def case_vlan(rng, v):
    return simple_case('10.2.0.10', '10.2.0.80', 40010, enc_vlan(100), k=3)(rng, v), \
        '802.1Q VLAN 100; card + SSN in the request, e-mail in the response'


def case_qinq(rng, v):
    return simple_case('10.3.0.10', '10.3.0.80', 40011, enc_qinq(200, 100), k=4)(rng, v), \
        '802.1ad S-tag 200 + 802.1Q C-tag 100'


def case_vxlan(rng, v):
    return simple_case('10.4.0.10', '10.4.0.80', 40012, enc_vxlan(5001, False), k=5)(rng, v), \
        'VXLAN VNI 5001 over IPv4, outer UDP checksum 0'


def case_vxlan_csum(rng, v):
    return simple_case('10.4.0.11', '10.4.0.80', 40013, enc_vxlan(5001, True), k=6)(rng, v), \
        'VXLAN VNI 5001 over IPv4, non-zero outer UDP checksum'


def case_ipv6(rng, v):
    return simple_case('2001:db8:1::10', '2001:db8:1::80', 40014, v6=True, k=7)(rng, v), \
        'IPv6 TCP'


def case_interleaved(rng, v):
    conns = []
    for i in range(5):
        c = Conn(rng, '10.5.0.%d' % (10 + i), '10.5.0.80', 41000 + i)
        c.handshake()
        body = {'id': i, 'card': v.card(i + 3), 'email': v.email(i + 3)}
        if i % 2 == 0:
            body['ssn'] = v.ssn(i + 2)
        body['memo'] = 'flow %d of 5' % i
        req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
        a = req.index(body['card'].encode())
        b = req.index(body['email'].encode())
        # three segments per request, cut inside the card and the e-mail
        c.send(True, req, cuts=[a + 3 + i, b + 2 + i], ack_every=3)
        c.send(False, http_response('201 Created', jdump({'status': 'accepted', 'flow': i})))
        c.close()
        conns.append(c)
    return interleave(conns), '5 flows whose packets are interleaved round-robin'


def case_no_pii(rng, v):
    c = Conn(rng, '10.6.0.10', '10.6.0.80', 40020)
    c.handshake()
    c.send(True, http_request('GET', '/api/v1/orders?page=2&per_page=25', 'shop.example.com',
                              extra=['X-Request-Id: 7f3e9c2a-1b4d-4e8f-9a6b-0c5d2e7f1a3b']))
    body = {
        'orders': [
            {'order_no': 1234567890123, 'sku': '4111-1111-1111-1112',
             'placed': '2024-01-15T10:22:31Z', 'ts': 1700000000124,
             'tracking': '1Z999AA10123456784', 'phone': '+1 555 010 0199'},
            {'order_no': 9876543210988, 'ref': '000-12-3456', 'alt': '666-12-3456',
             'code': '900-12-3456', 'batch': '123-00-4567', 'lot': '123-45-0000',
             'zip': '90210-1234', 'ip': '192.0.2.10'},
            {'order_no': 5550100100100, 'big': 12345678901234567890123,
             'handle': '@wiremask', 'price': '1,299.00', 'version': '2.5.0',
             'isbn': '978-3-16-148410-0'},
        ],
        'page': 2, 'total': 73,
    }
    c.send(False, http_response('200 OK', jdump(body)))
    c.close()
    return c.frames, 'digits that are not cards/SSNs and no e-mail: must pass byte-identical'


def case_two_directions(rng, v):
    c = Conn(rng, '10.7.0.10', '10.7.0.80', 40030)
    c.handshake()
    req = {'card': v.card(3), 'contact': v.email(4)}
    c.send(True, http_request('PUT', '/api/v1/wallet', 'shop.example.com', jdump(req)))
    resp = {'wallet': {'primary': v.card(4), 'owner_ssn': v.ssn(5)},
            'notify': [v.email(5), v.email(6)]}
    c.send(False, http_response('200 OK', jdump(resp)))
    c.close()
    return c.frames, 'values in both directions: client->server and server->client'


def case_bulk(rng, v):
    """A 40-record JSON response in MSS-size segments: values land on
    segment boundaries wherever they fall."""
    c = Conn(rng, '10.8.0.10', '10.8.0.80', 40040)
    c.handshake()
    c.send(True, http_request('GET', '/api/v1/customers?limit=40', 'crm.example.com'))
    recs = []
    for i in range(40):
        r = {'id': 5000 + i, 'name': 'Customer %d' % i, 'email': v.email(i),
             'since': '20%02d-0%d-1%d' % (10 + i % 14, 1 + i % 9, i % 10)}
        if i % 2 == 0:
            r['card'] = v.card(i)
        if i % 3 == 0:
            r['ssn'] = v.ssn(i)
        r['notes'] = 'x' * rng.randrange(10, 120)
        recs.append(r)
    c.send(False, http_response('200 OK', jdump({'customers': recs})), ack_every=2)
    c.close()
    return c.frames, '40-record JSON response in MSS-size segments'


# --- reassembly cases: reordering, retransmission, overlap, gaps ----------
# Every frame must come out (order may change); a retransmission or an
# overlap leaves carrying the bytes forwarded first (first copy wins).

def split_ranges(n, cuts=(), seg=MSS):
    """[(start, end)] of the segments send() would cut n bytes into."""
    bounds = sorted(set([c for c in cuts if 0 < c < n] + [n]))
    out, start = [], 0
    for b in bounds:
        while b - start > seg:
            out.append((start, start + seg))
            start += seg
        out.append((start, b))
        start = b
    return out


def seq_mark(conn, to_server, off, n):
    """Manifest entry naming n bytes at stream offset off of the data the
    direction sends next: source address and port, raw sequence number."""
    src, sport = (conn.cip, conn.cport) if to_server else (conn.sip, conn.sport)
    return {'src': src, 'sport': sport, 'seq': (conn.seq[to_server] + off) & 0xffffffff,
            'len': n}


def case_reversed(rng, v):
    c = Conn(rng, '10.9.0.10', '10.9.0.80', 42001)
    c.handshake()
    body = {'customer': 'Customer 11', 'card': v.card(0), 'exp': '11/28', 'ssn': v.ssn(2),
            'email': v.email(7), 'amount': 42.5, 'currency': 'EUR'}
    req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
    cuts = [40, req.index(body['card'].encode()) + 7, req.index(body['ssn'].encode()) + 5,
            req.index(body['email'].encode()) + 4]
    c.send_ranges(True, req, split_ranges(len(req), cuts)[::-1], ack_every=1)
    c.send(False, http_response('201 Created', jdump({'status': 'accepted',
                                                      'receipt_to': v.email(8)})))
    c.close()
    return c.frames, ("a request's 5 data segments sent in reverse order (card, SSN and "
                      "e-mail each cut across two of them)")


def case_duplicate(rng, v):
    c = Conn(rng, '10.9.0.11', '10.9.0.80', 42002)
    c.handshake()
    body = {'order': 'B-2210', 'card': v.card(1), 'email': v.email(1), 'note': 'sent twice'}
    req = http_request('POST', '/api/v1/orders', 'shop.example.com', jdump(body))
    cuts = [req.index(body['card'].encode()) + 9, req.index(body['email'].encode()) + 6]
    c.send_ranges(True, req, [r for r in split_ranges(len(req), cuts) for _ in (0, 1)])
    rb = jdump({'status': 'ok', 'verified_ssn': v.ssn(3), 'owner': v.email(2)})
    resp = http_response('200 OK', rb)
    cuts = [resp.index(b'verified_ssn') + len('verified_ssn":"') + 6]
    c.send_ranges(False, resp, [r for r in split_ranges(len(resp), cuts) for _ in (0, 1)])
    c.close()
    return c.frames, ('every data segment sent twice in a row, both directions (card, '
                      'e-mail and SSN cut across segments)')


def case_overlap_old_wins(rng, v):
    c = Conn(rng, '10.9.0.12', '10.9.0.80', 42003)
    c.handshake()
    body = {'customer': 'Customer 12', 'card': v.card(5), 'exp': '01/30',
            'email': v.email(3), 'ssn': v.ssn(4), 'memo': 'overlapping retransmissions'}
    req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
    a = req.index(body['card'].encode())
    m = req.index(body['email'].encode())
    s = req.index(body['ssn'].encode())
    n = len(req)
    ranges = [(0, a - 20),
              (a - 20, a + 8),          # the card's first 8 digits
              (a - 30, a + 12),         # overlaps both, brings 4 more digits
              (a + 12, m + 5),          # the card's end, 5 bytes of the e-mail
              (a + 5, m + 10),          # starts inside the card, 5 new e-mail bytes
              (m + 10, s + 4),
              (s, n),                   # the SSN again, then the rest
              (a, a + len(body['card']))]   # the card alone, once more
    c.send_ranges(True, req, ranges, ack_every=0)      # all before the ACK
    c.send(False, http_response('201 Created', jdump({'status': 'accepted',
                                                      'payment_id': 'pay_001012'})))
    c.close()
    return c.frames, ('segments re-sent overlapping earlier ones (partly old, partly new '
                      'bytes, identical where they overlap) across a card, an e-mail '
                      'and an SSN; the card re-sent alone at the end')


def case_overlap_different(rng, v):
    """The must-have: a retransmission at the sequence range of a card
    carrying other (also Luhn-valid) digits leaves as the first copy did,
    masked. Same in the response with an SSN, the retransmission starting
    inside the first segment and reaching past it."""
    c = Conn(rng, '10.9.0.13', '10.9.0.80', 42004)
    c.handshake()
    first, second = v.card(0), CARDS[4]         # 4111111111111111 / 4012888888881881
    assert len(first) == len(second) and first != second
    body = {'customer': 'Customer 13', 'card': first, 'exp': '07/27',
            'email': v.email(4), 'amount': 77.1}
    req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
    a = req.index(first.encode())
    ranges = split_ranges(len(req), [a - 12, a + len(first) + 10])
    k = [i for i, (s, e) in enumerate(ranges) if s <= a < e][0]
    s, e = ranges[k]
    alt = (req[s:a] + second.encode() + req[a + len(first):e])
    # in order: ..., the card's segment, the next one, then the card's
    # segment again with the other digits, then the rest
    order = ranges[:k + 2] + [(s, e)] + ranges[k + 2:]
    marks = [seq_mark(c, True, a, len(first))]
    c.send_ranges(True, req, order, alt={k + 2: alt}, ack_every=0)

    ssn1, ssn2 = v.ssn(6), SSNS[7]              # 145-92-6670 / 803-14-5527
    rb = jdump({'status': 'accepted', 'verified_ssn': ssn1, 'payment_id': 'pay_001013'})
    resp = http_response('201 Created', rb)
    b = resp.index(ssn1.encode())
    ranges = split_ranges(len(resp), [b - 20, b + len(ssn1) + 8])
    s, e = ranges[1]
    re_ = (b - 4, min(len(resp), e + 15))       # inside the first copy, reaching past it
    alt = resp[re_[0]:b] + ssn2.encode() + resp[b + len(ssn1):re_[1]]
    order = [ranges[0], ranges[1], re_] + [(max(x, re_[1]), y) for x, y in ranges[2:] if y > re_[1]]
    marks.append(seq_mark(c, False, b, len(ssn1)))
    c.send_ranges(False, resp, order, alt={2: alt}, ack_every=0)
    c.close()
    return c.frames, ('a card sent once, then a retransmission of its segment carrying '
                      'other Luhn-valid digits; an SSN in the response re-sent by an '
                      'overlapping segment carrying another valid SSN: both copies must '
                      'leave masked as the first'), {'same_bytes_at_seq': marks}


def case_gap_then_fill(rng, v):
    c = Conn(rng, '10.9.0.14', '10.9.0.80', 42005)
    c.handshake()
    body = {'customer': 'Customer 14', 'card': v.card(3), 'ssn': v.ssn(5),
            'email': v.email(5), 'amount': 310.0}
    req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
    cuts = [req.index(body['card'].encode()) + 6, req.index(body['ssn'].encode()) + 4,
            req.index(body['email'].encode()) + 3]
    r = split_ranges(len(req), cuts)
    assert len(r) == 4
    c.send_ranges(True, req, [r[0], r[2], r[1], r[3]], ack_every=1)
    c.send(False, http_response('201 Created', jdump({'status': 'accepted',
                                                      'receipt_to': v.email(6)})))
    c.close()
    return c.frames, ('segment 2 of 4 arrives after segment 3; the card spans segments '
                      '1-2, the SSN 2-3, the e-mail 3-4')


def case_wraparound(rng, v):
    c = Conn(rng, '10.9.0.15', '10.9.0.80', 42006)
    body = {'customer': 'Customer 15', 'card': v.card(8), 'ssn': v.ssn(0), 'exp': '03/31'}
    req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
    a = req.index(body['card'].encode())
    wrap_c = a + 8                                  # stream offset at seq 2^32
    rb = jdump({'status': 'accepted', 'payment_id': 'pay_001015', 'receipt_to': v.email(9),
                'ssn_last4': '4455'})
    resp = http_response('201 Created', rb)
    m = resp.index(EMAILS[9].encode())
    wrap_s = m + 3
    # data offset o is at seq ISN + 1 + o
    c.seq[True] = (1 << 32) - 1 - wrap_c
    c.seq[False] = (1 << 32) - 1 - wrap_s
    c.handshake()
    r = split_ranges(len(req), [60, wrap_c])        # a segment ends exactly at 2^32
    c.send_ranges(True, req, r)
    r = split_ranges(len(resp), [m - 40, m + 30])   # the middle one crosses 2^32
    assert len(r) == 3 and r[1][0] < wrap_s < r[1][1]
    c.send_ranges(False, resp, [r[0], r[2], r[1]], ack_every=1)
    c.close()
    return c.frames, ('sequence numbers wrap at 2^32 in both directions: a card cut by a '
                      'segment boundary at seq 0, an e-mail inside a response segment '
                      'that crosses 2^32 and arrives after the one behind it')


def case_midstream(rng, v):
    c = Conn(rng, '10.9.0.16', '10.9.0.80', 42007)
    c.handshake()
    lost = EMAILS[1]                                # in the part before the capture
    body = {'contact': lost, 'customer': 'Customer 16', 'card': v.card(6), 'ssn': v.ssn(6),
            'email': v.email(0), 'amount': 18.0}
    req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
    cut = req.index(lost.encode()) + lost.index('@') + 4    # capture starts in "example.org"
    c.send_ranges(True, req, split_ranges(len(req), [cut, req.index(b'"ssn"')]), ack_every=1)
    skip = 4                # SYN, SYN-ACK, ACK, the first segment: before the capture
    c.send(False, http_response('201 Created', jdump({'status': 'accepted',
                                                      'card_on_file': v.card(7)})))
    body2 = {'customer': 'Customer 16', 'new_email': v.email(3), 'ssn': v.ssn(7)}
    c.send(True, http_request('PATCH', '/api/v1/customers/16', 'shop.example.com',
                              jdump(body2)), cuts=[60])
    c.send(False, http_response('200 OK', jdump({'status': 'updated', 'email': v.email(4)})))
    c.close()
    return c.frames[skip:], ('no handshake: the capture starts in the middle of a keep-alive '
                             'connection, inside an e-mail of the first request')


def case_fin_flush(rng, v):
    c = Conn(rng, '10.9.0.17', '10.9.0.80', 42008)
    c.handshake()
    body = 'customer=Customer 17; ref=A-7731; card ' + v.card(3)
    req = ('POST /api/v1/notes HTTP/1.1\r\nHost: shop.example.com\r\n'
           'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s' % (len(body), body)).encode()
    c.send_ranges(True, req, split_ranges(len(req), [len(req) - 30]), ack_every=0)
    # the peer's ACK above covers the data; the FIN follows on its own
    c._pkt(True, 'FA')
    c._pkt(False, 'A')
    rbody = 'noted; receipt sent to ' + v.email(6)
    resp = ('HTTP/1.1 200 OK\r\nServer: demo/2.4\r\nContent-Type: text/plain\r\n'
            'Content-Length: %d\r\nConnection: close\r\n\r\n%s' % (len(rbody), rbody)).encode()
    c._pkt(False, 'FPA', resp)                      # last data and FIN in one segment
    c._pkt(True, 'A')
    return c.frames, ('each direction ends with a value: the request with a card, then a '
                      'FIN on its own; the response with an e-mail in the FIN segment')


def case_fin_retransmit(rng, v):
    """The client's last segment (a card in it) is resent after its FIN,
    as after a lost ACK, with other digits: every copy must leave as the
    first did, masked at its own offsets (the FIN's sequence number is
    no byte)."""
    c = Conn(rng, '10.9.0.23', '10.9.0.80', 42014)
    c.handshake()
    card = v.card(5)                            # 5105105105105100
    body = 'customer=Customer 23; ref=A-7790; card ' + card + '; thanks'
    req = ('POST /api/v1/notes HTTP/1.1\r\nHost: shop.example.com\r\n'
           'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s' % (len(body), body)).encode()
    a = req.index(card.encode())
    other = req[:a] + CARDS[0].encode() + req[a + len(card):]
    base, cut = c.seq[True], len(req) - 40
    assert cut < a and a + len(card) < len(req)
    marks = [seq_mark(c, True, a, len(card))]
    c.send_ranges(True, req, split_ranges(len(req), [cut]), ack_every=0)
    c._pkt(True, 'FA')
    c._pkt(True, 'PA', other[cut:], seq=base + cut)            # resent after the FIN
    c._pkt(True, 'PA', other[a + 4:], seq=base + a + 4)       # from inside the card
    c._pkt(False, 'A')
    rbody = 'noted'
    resp = ('HTTP/1.1 200 OK\r\nServer: demo/2.4\r\nContent-Type: text/plain\r\n'
            'Content-Length: %d\r\nConnection: close\r\n\r\n%s' % (len(rbody), rbody)).encode()
    c._pkt(False, 'FPA', resp)
    c._pkt(True, 'A')
    return c.frames, ('the last request segment (a card in it) resent twice after the '
                      "client's FIN with other digits, whole and from inside the card: "
                      'each copy leaves as the first'), {'same_bytes_at_seq': marks}


def case_rst(rng, v):
    c = Conn(rng, '10.9.0.18', '10.9.0.80', 42009)
    c.handshake()
    body = 'customer=Customer 18; verify ssn ' + v.ssn(4)
    req = ('POST /api/v1/verify HTTP/1.1\r\nHost: shop.example.com\r\n'
           'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s' % (len(body), body)).encode()
    c.send(True, req)
    rbody = 'verified; card on file ' + v.card(9)
    resp = ('HTTP/1.1 200 OK\r\nServer: demo/2.4\r\nContent-Type: text/plain\r\n'
            'Content-Length: %d\r\n\r\n%s' % (len(rbody), rbody)).encode()
    c._pkt(False, 'PA', resp)
    c._pkt(True, 'RA')                              # the client resets
    return c.frames, ('each direction ends with a value (SSN in the request, card in the '
                      'response), then the client resets the connection')


def case_one_byte_ooo(rng, v):
    c = Conn(rng, '10.9.0.19', '10.9.0.80', 42010)
    c.handshake()
    body = {'card': v.card(1), 'ssn': v.ssn(2), 'email': v.email(8), 'note': 'bytes shuffled'}
    req = http_request('POST', '/api/v1/cards', 'shop.example.com', jdump(body))
    # 1-byte segments shuffled within windows of W: at most W - 1 wait
    # beyond a gap (the default OOO queue holds 64), and a value's bytes
    # all arrive well inside the hold timeout.
    W = 12
    order = []
    for w in range(0, len(req), W):
        chunk = list(range(w, min(w + W, len(req))))
        rng.shuffle(chunk)
        order += chunk
    first = len(c.frames)
    c.send_ranges(True, req, [(i, i + 1) for i in order], ack_every=8)
    # time from a value's first byte being in order to its last one
    frames = c.frames[first:]
    have, at, t = set(), {}, 0
    for f in frames:
        tcp = f[TCP]
        if len(tcp.payload):
            have.add((tcp.seq - (c.seq[True] - len(req))) & 0xffffffff)
            nxt = 0
            while nxt in have:
                nxt += 1
            for o in range(len(req) + 1):
                if o <= nxt and o not in at:
                    at[o] = t
        t += 1
    for val in (body['card'], body['ssn'], body['email']):
        o = req.index(val.encode())
        span = (at[o + len(val)] - at[o + 1]) * TIME_STEP
        assert span < 0.0006, (val, span)
    c.send(False, http_response('204 No Content', b''))
    c.close()
    return c.frames, ('a request in 1-byte segments shuffled (fixed seed) within windows '
                      'of %d bytes' % W)


def case_permanent_gap(rng, v):
    """A segment the capture missed (the server got it and ACKs it): the
    hole is never filled. Flow 1 goes on 1.5 s later (capture time), past
    reasm.gap_timeout_ms; flow 2 ends with its hole still open. Values lie
    before and after each hole, none across it."""
    frames, gaps = [], []
    for n, (ip, port) in enumerate((('10.9.0.20', 42011), ('10.9.0.21', 42012))):
        c = Conn(rng, ip, '10.9.0.80', port)
        c.handshake()
        filler = 'lorem ipsum dolor sit amet ' * 4
        body = {'customer': 'Customer %d' % (20 + n), 'card': v.card(2 + n),
                'pad1': filler, 'pad2': filler, 'ssn': v.ssn(1 + n), 'email': v.email(5 + n)}
        req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
        p1 = req.index(b'"pad1"')
        p2 = req.index(b'"pad2"')
        r = split_ranges(len(req), [p1 + 20, p2 + 30])
        assert len(r) == 3
        gaps.append(seq_mark(c, True, r[1][0], r[1][1] - r[1][0]))
        c.send_ranges(True, req, r, ack_every=0, lost={1})
        c.send(False, http_response('201 Created', jdump({'status': 'accepted',
                                                          'receipt_to': v.email(7 + n)})))
        if n == 0:
            c.frames.append(Pause(1.5))
            c.send(True, http_request('POST', '/api/v1/payments', 'shop.example.com',
                                      jdump({'card': v.card(5), 'email': v.email(9)})))
            c.send(False, http_response('201 Created', jdump({'status': 'accepted',
                                                              'ssn': v.ssn(3)})))
        c.close()
        frames += c.frames
    return frames, ('2 flows, each missing one request segment (a capture loss: no '
                    'value in it, none across it); flow 1 goes on 1.5 s later, past the '
                    'gap timeout, flow 2 closes with the hole open'), {'gaps': gaps}


# --- IP fragments ---------------------------------------------------------

# --- real timing: senders that pause (hold timeouts must decide) ---------

def form_request(path, fields):
    """A urlencoded POST whose body is the fields as written, the last one
    ending the message with no terminator after it."""
    body = '&'.join('%s=%s' % kv for kv in fields).encode()
    return ('POST %s HTTP/1.1\r\nHost: shop.example.com\r\n'
            'Content-Type: application/x-www-form-urlencoded\r\n'
            'Content-Length: %d\r\n\r\n' % (path, len(body))).encode() + body


def case_pause_keepalive(rng, v):
    """Three requests on one kept-alive connection, each body ending with
    a value (card, SSN, e-mail: no terminator after it), then 80 ms of
    silence, then the next request; the responses end with values too."""
    c = Conn(rng, '10.12.0.10', '10.12.0.80', 43001)
    c.handshake()
    ends = [('card', v.card(0)), ('ssn', v.ssn(0)), ('email', v.email(0))]
    for i, (key, val) in enumerate(ends):
        c.send(True, form_request('/api/v1/forms/%d' % i,
                                  [('name', 'Jane+Roe'), ('ref', 'A-77%d' % i), (key, val)]))
        c.send(False, http_response('200 OK', 'saved for ' + v.email(i + 1),
                                    ctype='text/plain'))
        c.frames.append(Pause(0.080))
    c.close()
    return c.frames, ('kept-alive requests that end with a card, an SSN and an e-mail, '
                      'each followed by 80 ms of silence and the next request')


def case_pause_idle_end(rng, v):
    """A response that ends with an e-mail, then the connection idles
    2 s before it closes (keep-alive timeout)."""
    c = Conn(rng, '10.12.0.11', '10.12.0.80', 43002)
    c.handshake()
    c.send(True, http_request('GET', '/api/v1/contact', 'shop.example.com'))
    c.send(False, http_response('200 OK', 'write to ' + v.email(4), ctype='text/plain'))
    c.frames.append(Pause(2.0))
    c.close()
    return c.frames, 'a response that ends with an e-mail, then 2 s of idle before the FIN'


def case_pause_split_25ms(rng, v):
    """A card and an e-mail each split by a congestion-window boundary on
    a 25 ms path: the flight's last segment ends inside the value, the
    peer's ACK of the flight comes 25 ms later and the next flight right
    after it (the handshake shows the 25 ms round trip)."""
    c = Conn(rng, '10.12.0.12', '10.12.0.80', 43003)
    c._pkt(True, 'S', opts=[('MSS', MSS), ('SAckOK', b''), ('WScale', 7)])
    c.frames.append(Pause(0.0125))
    c._pkt(False, 'SA', opts=[('MSS', MSS), ('SAckOK', b''), ('WScale', 7)])
    c.frames.append(Pause(0.0125))
    c._pkt(True, 'A')
    body = jdump({'note': 'x' * 1500, 'card': v.card(1), 'memo': 'y' * 1400,
                  'email': v.email(2), 'end': 1})
    req = http_request('POST', '/api/v1/orders', 'shop.example.com', body)
    a = req.index(v_last(body, 'card').encode()) + 7
    b = req.index(v_last(body, 'email').encode()) + 6
    flights = [req[:a], req[a:b], req[b:]]
    for i, fl in enumerate(flights):
        pieces = [fl[j:j + MSS] for j in range(0, len(fl), MSS)]
        for k, p in enumerate(pieces):
            last = i == len(flights) - 1 and k == len(pieces) - 1
            c._pkt(True, 'PA' if last else 'A', p)
        c.frames.append(Pause(0.0125))
        c._pkt(False, 'A')             # the flight acknowledged
        c.frames.append(Pause(0.0125))
    c.send(False, http_response('201 Created', jdump({'status': 'ok'})))
    c.close()
    return c.frames, 'a card and an e-mail split at congestion-window boundaries, 25 ms apart'


def v_last(body, key):
    """The value of @key in the JSON text @body."""
    return json.loads(body)[key]


def case_pause_1byte_4ms(rng, v):
    """A request whose card, SSN and e-mail arrive one byte per segment,
    4 ms apart (an interactive writer), each byte acknowledged."""
    c = Conn(rng, '10.12.0.13', '10.12.0.80', 43004)
    c.handshake()
    body = 'card %s ssn %s mail %s.\n' % (v.card(2), v.ssn(3), v.email(5))
    req = ('POST /api/v1/notes HTTP/1.1\r\nHost: shop.example.com\r\n'
           'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n' % len(body)).encode()
    c.send(True, req)
    for ch in body.encode():
        c._pkt(True, 'PA', bytes([ch]))
        c.frames.append(Pause(0.002))
        c._pkt(False, 'A')
        c.frames.append(Pause(0.002))
    c.send(False, http_response('201 Created', jdump({'status': 'ok'})))
    c.close()
    return c.frames, 'card, SSN and e-mail sent one byte per segment, 4 ms apart'


def case_pause_interleaved_6(rng, v):
    """Six flows interleaved, 200 us between frames, so that the segments
    of one flow are 1.2 ms apart, values cut between segments."""
    conns = []
    for i in range(6):
        c = Conn(rng, '10.12.1.%d' % (10 + i), '10.12.0.80', 43100 + i)
        c.handshake()
        body = {'id': i, 'card': v.card(i), 'email': v.email(i), 'ssn': v.ssn(i),
                'memo': 'flow %d of 6' % i}
        req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
        cuts = [req.index(body[k].encode()) + 2 + i for k in ('card', 'email', 'ssn')]
        c.send(True, req, cuts=cuts, ack_every=4)
        c.send(False, http_response('201 Created', jdump({'status': 'accepted', 'flow': i})))
        c.close()
        conns.append(c)
    out = []
    for f in interleave(conns):
        out += [f, Pause(0.0002)]
    return out, '6 flows interleaved, segments of a flow 1.2 ms apart, values cut between them'


def case_pause_fin_value(rng, v):
    """A value that ends exactly at the FIN, after a pause."""
    c = Conn(rng, '10.12.0.14', '10.12.0.80', 43005)
    c.handshake()
    req = form_request('/api/v1/forms/9', [('name', 'Jane'), ('card', v.card(5))])
    c._pkt(True, 'PA', req[:-6])
    c.frames.append(Pause(0.050))
    c._pkt(True, 'FPA', req[-6:])
    c._pkt(False, 'A')
    c._pkt(False, 'FA')
    c._pkt(True, 'A')
    return c.frames, 'a card whose last 6 digits come 50 ms later, with the FIN'


def ip_fragments(frame, size, ident, order=None):
    """@frame (Ethernet, VLAN tags, IPv4 or IPv6, TCP) as IP fragments of
    @size payload bytes (a multiple of 8; the last one shorter): IPv4 with
    MF and offsets (DF cleared, id kept), IPv6 with a Fragment header of
    id @ident. order: the fragments' indexes as sent (default in order)."""
    from scapy.layers.inet6 import IPv6ExtHdrFragment
    from scapy.packet import Raw
    raw = bytes(frame)
    v6 = IPv6 in frame
    ipb = bytes(frame[IPv6] if v6 else frame[IP])
    l2 = raw[:len(raw) - len(ipb)]
    hl = 40 if v6 else (ipb[0] & 0xf) * 4
    pay = ipb[hl:]
    frags = []
    for off in range(0, len(pay), size):
        more = off + size < len(pay)
        h = IPv6(ipb[:40]) if v6 else IP(ipb[:hl])
        if v6:
            h.nh, h.plen = 44, None
            h = h / IPv6ExtHdrFragment(nh=ipb[6], offset=off // 8, m=int(more), id=ident)
        else:
            h.flags, h.frag, h.len, h.chksum = ('MF' if more else 0), off // 8, None, None
        frags.append(Ether(l2 + bytes(h / Raw(pay[off:off + size]))))
    return [frags[i] for i in (order or range(len(frags)))]


def frag_case(rng, v, ip_c, ip_s, port, encap, v6, ident):
    """A connection whose two data segments travel as IP fragments: the
    request cut inside its card number, fragments sent last first; the
    response (longer than IPv6's minimum MTU allows whole) in small
    fragments, in order."""
    c = Conn(rng, ip_c, ip_s, port, encap=encap, v6=v6)
    c.handshake()
    body = {'order': 'F-%d' % port, 'card': v.card(7), 'ssn': v.ssn(3),
            'email': v.email(7), 'memo': 'fragmented on the way ' * 12}
    req = http_request('POST', '/api/v1/payments', 'shop.example.com', jdump(body))
    assert len(req) <= MSS
    c.send(True, req)
    start = 20 + req.index(body['card'].encode())     # in the IP payload
    size = (start + len(body['card']) // 2) // 8 * 8
    assert start < size < start + len(body['card'])
    i = len(c.frames) - 2                               # the data, then its ACK
    req_frags = ip_fragments(c.frames[i], size, ident)
    req_frags.reverse()
    c.frames[i:i + 1] = req_frags
    recs = [{'id': k, 'email': v.email(8 + k), 'card': v.card(8 + k) if k % 2 else None,
             'note': 'record %d of the page' % k} for k in range(14)]
    resp = http_response('200 OK', jdump({'records': recs}))
    assert len(resp) <= MSS
    c.send(False, resp)
    i = len(c.frames) - 2
    resp_frags = ip_fragments(c.frames[i], 256, ident + 1)
    c.frames[i:i + 1] = resp_frags
    c.close()
    nfrag = len(req_frags) + len(resp_frags)
    assert len(resp) + 20 > 1232 and nfrag <= 2 * 8     # IPv6 too leaves it in 2
    return c.frames, {'refragmented': True, 'fragments': nfrag, 'datagrams': 2}


def case_frag_ipv4(rng, v):
    frames, extra = frag_case(rng, v, '10.11.0.10', '10.11.0.80', 40060, enc_plain, False, 0)
    return frames, ('IPv4 fragments: a request cut inside its card, fragments last first; '
                    'a response in 256-byte fragments'), extra


def case_frag_ipv6(rng, v):
    frames, extra = frag_case(rng, v, '2001:db8:11::10', '2001:db8:11::80', 40061,
                              enc_vlan(100), True, 0x5eed0001)
    return frames, ('802.1Q + IPv6 Fragment headers: a request cut inside its card, '
                    'fragments last first; a response in 256-byte fragments'), extra


CASES = {
    'one_segment': case_one_segment,
    'split_2': case_split_2,
    'split_1byte': case_split_1byte,
    'context_words': case_context_words,
    'vlan': case_vlan,
    'qinq': case_qinq,
    'vxlan': case_vxlan,
    'vxlan_csum': case_vxlan_csum,
    'ipv6': case_ipv6,
    'interleaved': case_interleaved,
    'no_pii': case_no_pii,
    'two_directions': case_two_directions,
    'bulk': case_bulk,
    'reversed': case_reversed,
    'duplicate': case_duplicate,
    'overlap_old_wins': case_overlap_old_wins,
    'overlap_different': case_overlap_different,
    'gap_then_fill': case_gap_then_fill,
    'wraparound': case_wraparound,
    'midstream': case_midstream,
    'fin_flush': case_fin_flush,
    'fin_retransmit': case_fin_retransmit,
    'rst': case_rst,
    'one_byte_ooo': case_one_byte_ooo,
    'permanent_gap': case_permanent_gap,
    'pause_keepalive': case_pause_keepalive,
    'pause_idle_end': case_pause_idle_end,
    'pause_split_25ms': case_pause_split_25ms,
    'pause_1byte_4ms': case_pause_1byte_4ms,
    'pause_interleaved_6': case_pause_interleaved_6,
    'pause_fin_value': case_pause_fin_value,
    'frag_ipv4': case_frag_ipv4,
    'frag_ipv6': case_frag_ipv6,
}


def gen_case(name, outdir):
    rng = random.Random('wiremask-e2e-' + name)
    v = Values()
    frames, desc, *more = CASES[name](rng, v)
    write_pcap(os.path.join(outdir, name + '.pcap'), frames)
    manifest = {'case': name, 'description': desc, 'values': v.n,
                'identical': sum(v.n.values()) == 0,
                'frames': sum(1 for f in frames if not isinstance(f, Pause))}
    if more:
        manifest.update(more[0])    # case-specific checks (see the case)
    with open(os.path.join(outdir, name + '.json'), 'w') as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write('\n')
    return manifest


def gen_sample(path):
    """Three overlapping HTTP/JSON connections: a checkout, a profile
    lookup and a static page."""
    rng = random.Random('wiremask-sample')
    v = Values()
    a = Conn(rng, '192.168.10.21', '192.168.20.5', 51544)
    a.handshake()
    req = {'cart': 'c-88213', 'items': [{'sku': 'BK-1031', 'qty': 2}, {'sku': 'MG-0007', 'qty': 1}],
           'payment': {'card': v.card(1), 'exp': '08/28', 'cvc_present': True},
           'email': v.email(0)}
    a.send(True, http_request('POST', '/checkout', 'shop.example.com', jdump(req)))
    a.send(False, http_response('200 OK', jdump({'order': 'SO-55120', 'status': 'paid',
                                                   'receipt_sent_to': v.email(0)})))
    a.close()
    b = Conn(rng, '192.168.10.34', '192.168.20.7', 60112, sport=8080)
    b.handshake()
    b.send(True, http_request('GET', '/api/users/1842', 'crm.example.com',
                              extra=['Authorization: Bearer demo-token']))
    prof = {'id': 1842, 'name': 'Jane Roe', 'email': v.email(1), 'ssn': v.ssn(0),
            'cards_on_file': [v.card(0), v.card(2)], 'created': '2021-06-30'}
    b.send(False, http_response('200 OK', jdump(prof)))
    b.close()
    c = Conn(rng, '192.168.10.21', '192.168.20.5', 51546)
    c.handshake()
    c.send(True, http_request('GET', '/', 'shop.example.com'))
    page = ('<!doctype html><html><head><title>Demo shop</title></head><body>'
            '<h1>Welcome</h1><p>Order line: 1 800 555 0199. Items 1-24 of 310.</p>'
            '</body></html>')
    c.send(False, http_response('200 OK', page, ctype='text/html'))
    c.close()
    # a overlaps b; c follows
    frames = interleave([a, b]) + c.frames
    write_pcap(path, frames)
    return {'values': v.n, 'frames': len(frames)}


# --- reference masking (to test the checker itself) -----------------------

def _mask_value(s):
    """The default policy applied to one value known to this generator:
    card keep first 6 and last 4 digits, '*' elsewhere (separators kept);
    ssn keep last 4; e-mail local part to 'x', domain kept."""
    if '@' in s:
        local, dom = s.split('@', 1)
        return 'x' * len(local) + '@' + dom
    pos = [i for i, ch in enumerate(s) if ch.isdigit()]
    keep_first = 0 if s in SSNS else 6
    hide = set(pos[keep_first:len(pos) - 4])
    return ''.join('*' if i in hide else ch for i, ch in enumerate(s))


def _tcp_layers(pkt):
    """(l3, tcp) of the innermost TCP, or (None, None)."""
    l3 = tcp = None
    layer = pkt
    while layer is not None and layer.name != 'NoPayload':
        if isinstance(layer, (IP, IPv6)):
            cur = layer
        if isinstance(layer, TCP):
            l3, tcp = cur, layer
        layer = layer.payload if layer.payload else None
    return l3, tcp


def _refresh_checksums(pkt):
    layer = pkt
    while layer is not None and layer.name != 'NoPayload':
        if isinstance(layer, (IP, TCP)):
            layer.chksum = None
        elif isinstance(layer, UDP) and layer.chksum != 0:
            layer.chksum = None
        layer = layer.payload if layer.payload else None
    return Ether(bytes(pkt))


def reference_mask(inp, out, spoil='none'):
    """Mask the generator's own values in a capture, the way wiremask's
    default policy should, and write it with correct checksums.
    spoil: none | leak (the first value is left in clear) | collateral (one
    byte outside the values changed) | badsum (one TCP checksum broken) |
    drop (one frame left out) | reorder (two frames swapped) | retrans_clear
    (a retransmission carrying other bytes than the first copy keeps them)
    | retrans_own (such a retransmission is masked on its own instead of
    carrying the first copy). The first copy of a byte wins."""
    from scapy.utils import rdpcap
    from scapy.packet import Raw
    pkts = list(rdpcap(inp))
    flows = {}      # (src, dst, sport, dport) -> {'isn': n, 'segs': [(i, off, len)]}
    for i, p in enumerate(pkts):
        l3, tcp = _tcp_layers(p)
        if tcp is None:
            continue
        key = (l3.src, l3.dst, tcp.sport, tcp.dport)
        f = flows.setdefault(key, {'isn': None, 'segs': []})
        if 'S' in tcp.flags:
            f['isn'] = (tcp.seq + 1) & 0xffffffff
        n = len(bytes(tcp.payload))
        if n:
            f['segs'].append((i, tcp.seq, n))

    def rel(seq, base):
        d = (seq - base) & 0xffffffff
        return d - (1 << 32) if d >= 1 << 31 else d
    for f in flows.values():
        if f['segs'] and f['isn'] is None:      # picked up mid-stream
            s0 = f['segs'][0][1]
            f['isn'] = (s0 + min(rel(sq, s0) for _, sq, _ in f['segs'])) & 0xffffffff
        f['segs'] = [(i, rel(sq, f['isn']), n) for i, sq, n in f['segs']]
    values = sorted(set(CARDS + SSNS + EMAILS), key=len, reverse=True)
    touched = set()         # frame indexes whose payload was rewritten
    spoiled = False
    left_in_clear = spoil != 'leak'
    for key, f in sorted(flows.items()):
        if not f['segs']:
            continue
        size = max(off + n for _, off, n in f['segs'])
        buf, have = bytearray(size), bytearray(size)
        for i, off, n in f['segs']:
            for j, ch in enumerate(bytes(_tcp_layers(pkts[i])[1].payload)):
                if not have[off + j]:
                    buf[off + j], have[off + j] = ch, 1
        first = bytes(buf)
        spans = []
        for v in values:
            vb = v.encode()
            at = buf.find(vb)
            while at >= 0:
                if not any(s < at + len(vb) and at < e for s, e in spans):
                    spans.append((at, at + len(vb)))
                    if left_in_clear:
                        buf[at:at + len(vb)] = _mask_value(v).encode()
                    left_in_clear = True
                at = buf.find(vb, at + 1)
        if spoil == 'collateral' and not spoiled:
            at = buf.find(b'HTTP/1.1')
            if at >= 0:
                buf[at] = ord('h')
                spoiled = True
        for i, off, n in f['segs']:
            tcp = _tcp_layers(pkts[i])[1]
            own = bytes(tcp.payload)
            if own != first[off:off + n] and spoil in ('retrans_clear', 'retrans_own'):
                if spoil == 'retrans_own':
                    for v in values:
                        own = own.replace(v.encode(), _mask_value(v).encode())
                tcp.payload = Raw(own)
            else:
                tcp.payload = Raw(bytes(buf[off:off + n]))
            touched.add(i)
    for i in range(len(pkts)):
        if i in touched:
            t = pkts[i].time
            pkts[i] = _refresh_checksums(pkts[i])
            pkts[i].time = t
    if spoil == 'badsum':
        i = min(touched)
        tcp = _tcp_layers(pkts[i])[1]
        tcp.chksum ^= 0x5a5a
    elif spoil == 'drop':
        del pkts[len(pkts) // 2]
    elif spoil == 'reorder':
        pkts[3], pkts[4] = pkts[4], pkts[3]
    w = PcapWriter(out, linktype=1, sync=False)
    for p in pkts:
        w.write(p)
    w.close()


def main(argv):
    _self_check()
    if len(argv) in (3, 4) and argv[0] == '--mask-reference':
        spoils = (argv[3] if len(argv) == 4 else 'none').split(',')
        if len(spoils) > 1 and '{}' not in argv[2]:
            sys.stderr.write('several spoils need {} in the output name\n')
            return 2
        for sp in spoils:
            reference_mask(argv[1], argv[2].replace('{}', sp), sp)
        return 0
    if len(argv) >= 1 and argv[0] == '--list':
        print('\n'.join(CASES))
        return 0
    if len(argv) == 2 and argv[0] == '--sample':
        m = gen_sample(argv[1])
        print('wrote %s: %d frames, values %s' % (argv[1], m['frames'], jdump(m['values'])))
        return 0
    if not argv or argv[0].startswith('-'):
        sys.stderr.write(__doc__)
        return 2
    outdir, names = argv[0], argv[1:] or list(CASES)
    bad = [n for n in names if n not in CASES]
    if bad:
        sys.stderr.write('unknown case(s): %s (try --list)\n' % ' '.join(bad))
        return 2
    os.makedirs(outdir, exist_ok=True)
    for n in names:
        m = gen_case(n, outdir)
        print('%-18s %4d frames  values %s' % (n, m['frames'], jdump(m['values'])))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
