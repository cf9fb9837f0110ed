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
                  drop|reorder spoils it; with several, OUT holds {}

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

    def _pkt(self, to_server, flags, payload=b'', opts=None):
        """to_server: True for client->server."""
        src, dst = (self.cip, self.sip) if to_server else (self.sip, self.cip)
        sp, dp = (self.cport, self.sport) if to_server else (self.sport, self.cport)
        ack = self.seq[not to_server] if 'A' in flags else 0
        if 'S' in flags:
            win = 64240 if to_server else 65160
        else:
            win = 502 if to_server else 509     # scaled by 2^7 after the SYNs
        tcp = TCP(sport=sp, dport=dp, flags=flags, seq=self.seq[to_server], ack=ack,
                  window=win, options=opts or [])
        if self.v6:
            l3 = IPv6(src=src, dst=dst, hlim=64)
        else:
            self.ipid[to_server] = (self.ipid[to_server] + 1) & 0xffff
            l3 = IP(src=src, dst=dst, id=self.ipid[to_server], flags='DF', ttl=64)
        pkt = l3 / tcp
        if payload:
            pkt = pkt / payload
        self.frames.append(self.encap(pkt, to_server))
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

    def close(self):
        self._pkt(True, 'FA')
        self._pkt(False, 'FA')
        self._pkt(True, 'A')


def write_pcap(path, frames):
    tmp = path + '.tmp'
    w = PcapWriter(tmp, linktype=1, sync=False)
    for i, f in enumerate(frames):
        f.time = BASE_TIME + i * TIME_STEP
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


CASES = {
    'one_segment': case_one_segment,
    'split_2': case_split_2,
    'split_1byte': case_split_1byte,
    'vlan': case_vlan,
    'qinq': case_qinq,
    'vxlan': case_vxlan,
    'vxlan_csum': case_vxlan_csum,
    'ipv6': case_ipv6,
    'interleaved': case_interleaved,
    'no_pii': case_no_pii,
    'two_directions': case_two_directions,
    'bulk': case_bulk,
}


def gen_case(name, outdir):
    rng = random.Random('wiremask-e2e-' + name)
    v = Values()
    frames, desc = CASES[name](rng, v)
    write_pcap(os.path.join(outdir, name + '.pcap'), frames)
    manifest = {'case': name, 'description': desc, 'values': v.n,
                'identical': sum(v.n.values()) == 0, 'frames': len(frames)}
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
    drop (one frame left out) | reorder (two frames swapped)."""
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
            f['isn'] = tcp.seq + 1
        n = len(bytes(tcp.payload))
        if n:
            f['segs'].append((i, (tcp.seq - f['isn']) & 0xffffffff, n))
    values = sorted(set(CARDS + SSNS + EMAILS), key=len, reverse=True)
    touched = set()         # frame indexes whose payload was rewritten
    spoiled = False
    left_in_clear = spoil != 'leak'
    for key, f in sorted(flows.items()):
        if not f['segs']:
            continue
        size = max(off + n for _, off, n in f['segs'])
        buf = bytearray(size)
        for i, off, n in f['segs']:
            buf[off:off + n] = bytes(_tcp_layers(pkts[i])[1].payload)
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
        print('%-15s %4d frames  values %s' % (n, m['frames'], jdump(m['values'])))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
