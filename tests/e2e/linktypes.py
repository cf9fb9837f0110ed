#!/usr/bin/python3
"""Captures of every link type scripts/mask-pcap.sh reads, and their check.

  linktypes.py gen OUTDIR      write OUTDIR/lt_<name>.pcap (+ .json manifest)
  linktypes.py spoil IN OUT K  OUT: IN spoiled as a broken appliance would:
                               K = cut (longest frame cut to 16,128 bytes),
                               time (stamps moved 1 us), hdr (a link header
                               byte changed); check must fail each
  linktypes.py check IN OUT    OUT must be IN, frame for frame: same link
                               type, timestamps, lengths and link headers;
                               L3 bytes equal but for the values (masked:
                               none readable) and the TCP checksum (valid);
                               frames the manifest says are refused absent

Each capture holds TCP connections carrying synthetic values (test cards
that pass Luhn, SSA-valid SSNs, e-mails on example domains) in both
directions, in the link type's own headers, every frame with its own
timestamp (nanoseconds where the file says so), plus a frame that is not
IP. lt_jumbo is a loopback (NULL) capture of a 64 KB MTU: a 60 KB request
carrying values; lt_oversize adds a 70,000-byte GRO'd frame wiremask
cannot carry whole: it must be left out and reported, never cut.

The pcap files are written and read here (no scapy reader): scapy only
builds the IP packets and their checksums. Run with /usr/bin/python3.
"""
import json
import logging
import os
import struct
import sys

logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import IP, IPv6, TCP, Raw, Ether, ARP  # noqa: E402

CARD, SSN, EMAIL = '4111 1111 1111 1111', '512-22-3344', 'jane.roe@example.com'
CARD2, EMAIL2 = '5500-0000-0000-0004', 'billing.desk@example.org'
VALUES = [CARD, SSN, EMAIL, CARD2, EMAIL2]
BASE = 1700000000


def http(conn_v6, sport, body_req, body_resp, mss=1448):
    """The IP packets of one connection (bytes), client then server."""
    c, s = ('2001:db8::1', '2001:db8::2') if conn_v6 else ('10.0.0.1', '10.0.0.2')
    L3 = IPv6 if conn_v6 else IP

    def pkt(src, dst, sp, dp, flags, seq, ack, data=b''):
        p = L3(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack,
                                       window=65535)
        if data:
            p = p / Raw(data)
        return bytes(p)
    req = (b'POST /pay HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/json\r\n'
           b'Content-Length: %d\r\n\r\n' % len(body_req)) + body_req
    resp = (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n'
            % len(body_resp)) + body_resp
    ci, si = 1000, 900000
    out = [(0, pkt(c, s, sport, 80, 'S', ci, 0)),
           (1, pkt(s, c, 80, sport, 'SA', si, ci + 1)),
           (0, pkt(c, s, sport, 80, 'A', ci + 1, si + 1))]
    seq = ci + 1
    for i in range(0, len(req), mss):
        out.append((0, pkt(c, s, sport, 80, 'PA', seq, si + 1, req[i:i + mss])))
        seq += len(req[i:i + mss])
    out.append((1, pkt(s, c, 80, sport, 'PA', si + 1, seq, resp)))
    sseq = si + 1 + len(resp)
    out += [(0, pkt(c, s, sport, 80, 'FA', seq, sseq)),
            (1, pkt(s, c, 80, sport, 'FA', sseq, seq + 1)),
            (0, pkt(c, s, sport, 80, 'A', seq + 1, sseq + 1))]
    return out


def bodies(pad=0):
    req = json.dumps({'customer': 'Jane Roe', 'card': CARD, 'ssn': SSN, 'email': EMAIL,
                      'note': 'x' * pad, 'card2': CARD2}, separators=(',', ':')).encode()
    resp = json.dumps({'status': 'ok', 'receipt_to': EMAIL2}, separators=(',', ':')).encode()
    return req, resp


# Link headers: fn(direction 0 client->server / 1 back, ip bytes) -> header bytes
def eth_hdr(d, ip):
    macs = [b'\x00\x16\x3e\x00\x00\x01', b'\x00\x16\x3e\x00\x00\x02']
    return macs[1 - d] + macs[d] + (b'\x86\xdd' if ip[0] >> 4 == 6 else b'\x08\x00')


def sll_hdr(d, ip):
    proto = 0x86dd if ip[0] >> 4 == 6 else 0x0800
    # packet type: 4 outgoing (client side capture), 0 to us; ARPHRD_ETHER
    return struct.pack('>HHH8sH', 4 if d == 0 else 0, 1, 6,
                       b'\x00\x16\x3e\x00\x00\x01\x00\x00', proto)


def sll2_hdr(d, ip):
    proto = 0x86dd if ip[0] >> 4 == 6 else 0x0800
    return struct.pack('>HHIHBB8s', proto, 0, 3, 1, 4 if d == 0 else 0, 6,
                       b'\x00\x16\x3e\x00\x00\x02\x00\x00')


def null_hdr(d, ip):          # host byte order of the capturer (little)
    return struct.pack('<I', 30 if ip[0] >> 4 == 6 else 2)


def loop_hdr(d, ip):          # network byte order
    return struct.pack('>I', 24 if ip[0] >> 4 == 6 else 2)


def raw_hdr(d, ip):
    return b''


# name: (linktype, header fn, nanosecond file, a non-IP frame)
LINKS = {
    'ether': (1, eth_hdr, False, bytes(Ether(src='00:16:3e:00:00:01', dst='ff:ff:ff:ff:ff:ff')
                                       / ARP(psrc='10.0.0.1', pdst='10.0.0.2'))),
    'raw': (101, raw_hdr, True, b'\x00\x01\x02\x03'),
    'raw12': (12, raw_hdr, False, None),
    'raw14': (14, raw_hdr, False, None),
    'sll': (113, sll_hdr, True, struct.pack('>HHH8sH', 0, 1, 6, b'\x00\x16\x3e\x00\x00\x01\x00\x00',
                                            0x0806) + bytes(ARP(psrc='10.0.0.1'))),
    'sll2': (276, sll2_hdr, False, struct.pack('>HHIHBB8s', 0x0806, 0, 3, 1, 0, 6,
                                               b'\x00\x16\x3e\x00\x00\x02\x00\x00')
             + bytes(ARP(psrc='10.0.0.2'))),
    'null': (0, null_hdr, False, struct.pack('<I', 7) + b'not ip at all'),
    'loop': (108, loop_hdr, True, None),
    'ipv4': (228, raw_hdr, False, None),      # LINKTYPE_IPV4: IPv4 only
}


def write_pcap(path, linktype, nano, frames, snaplen=262144):
    """frames: (sec, frac, bytes[, wire length])"""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b23c4d if nano else 0xa1b2c3d4, 2, 4, 0, 0,
                            snaplen, linktype))
        for fr in frames:
            sec, frac, data = fr[:3]
            wire = fr[3] if len(fr) > 3 else len(data)
            f.write(struct.pack('<IIII', sec, frac, len(data), wire) + data)


def read_pcap(path):
    with open(path, 'rb') as f:
        b = f.read()
    magic = struct.unpack('<I', b[:4])[0]
    e = '<'
    if magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e, magic = '>', struct.unpack('>I', b[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), '%s: not a pcap' % path
    linktype = struct.unpack(e + 'I', b[20:24])[0]
    off, frames = 24, []
    while off + 16 <= len(b):
        sec, frac, cap, wire = struct.unpack(e + 'IIII', b[off:off + 16])
        frames.append((sec, frac, b[off + 16:off + 16 + cap], wire))
        off += 16 + cap
    return linktype, magic == 0xa1b23c4d, frames


def gen(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, (lt, hdr, nano, other) in LINKS.items():
        pkts = http(False, 40001, *bodies())
        if lt != 228:
            pkts += http(True, 40002, *bodies())
        frames = []
        for i, (d, ip) in enumerate(pkts):
            h = hdr(d, ip)
            # distinct stamps, sub-microsecond digits where the file has them
            frac = 1000 * i + 7 if nano else 1000 + i
            frames.append((BASE + i, frac, h + ip))
        if other is not None:
            frames.insert(5, (BASE + 99, 5, other))
        write_pcap(os.path.join(outdir, 'lt_%s.pcap' % name), lt, nano, frames)
        manifest(outdir, 'lt_' + name, frames, refused=[])
    # loopback with a 64 KB MTU: a 60 KB request carrying values
    req, resp = bodies(pad=30000)
    req = req[:-1] + b',"tail":"' + b'y' * 30000 + b'","more_card":"' + CARD2.encode() + b'"}'
    pkts = http(False, 40003, req, resp, mss=65000)
    frames = [(BASE + i, 100 + i, null_hdr(d, ip) + ip) for i, (d, ip) in enumerate(pkts)]
    assert max(len(f[2]) for f in frames) > 60000
    write_pcap(os.path.join(outdir, 'lt_jumbo.pcap'), 0, False, frames)
    manifest(outdir, 'lt_jumbo', frames, refused=[])
    # ... and a GRO'd frame of 70,000 bytes (IP length 0, as GSO writes it)
    big = bytes(IP(src='10.0.0.9', dst='10.0.0.8', len=0) / TCP(sport=1, dport=2, flags='A')
                / Raw(b'z' * 69940))
    frames.insert(4, (BASE + 50, 1, null_hdr(0, big) + big))
    write_pcap(os.path.join(outdir, 'lt_oversize.pcap'), 0, False, frames)
    manifest(outdir, 'lt_oversize', frames, refused=[4])
    # Ethernet, for wiremask's own net_pcap ports: a 65,535-byte IP packet
    # makes a 65,549-byte frame, more than net_pcap carries whole
    req, resp = bodies(pad=66000)
    pkts = http(False, 40004, req, resp, mss=65535 - 40)
    frames = [(BASE + i, 100 + i, eth_hdr(d, ip) + ip) for i, (d, ip) in enumerate(pkts)]
    assert max(len(f[2]) for f in frames) == 65549
    write_pcap(os.path.join(outdir, 'lt_eth_max.pcap'), 1, False, frames)
    manifest(outdir, 'lt_eth_max', frames, refused=[3])


def manifest(outdir, name, frames, refused):
    data = b''.join(f[2] for i, f in enumerate(frames) if i not in refused)
    n = sum(data.count(v.encode()) for v in VALUES)
    with open(os.path.join(outdir, name + '.json'), 'w') as f:
        json.dump({'case': name, 'frames': len(frames), 'values': n, 'refused': refused}, f)


def l3_offset(linktype, data):
    return {1: 14, 101: 0, 12: 0, 14: 0, 228: 0, 113: 16, 276: 20, 0: 4, 108: 4}[linktype]


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def tcp_ok(l3):
    """None if not TCP over IP, else whether its checksum is valid."""
    if not l3:
        return None
    if l3[0] >> 4 == 4 and len(l3) >= 20 and l3[9] == 6:
        ihl = (l3[0] & 15) * 4
        seg = l3[ihl:struct.unpack('!H', l3[2:4])[0] or len(l3)]
        ph = l3[12:20] + struct.pack('!BBH', 0, 6, len(seg))
    elif l3[0] >> 4 == 6 and len(l3) >= 40 and l3[6] == 6:
        seg = l3[40:40 + struct.unpack('!H', l3[4:6])[0]]
        ph = l3[8:40] + struct.pack('!IxxxB', len(seg), 6)
    else:
        return None
    return csum(ph + seg) == 0xffff, len(l3) - len(seg) + 16


def check(inp, outp):
    problems = []
    lt_in, nano_in, fin = read_pcap(inp)
    lt_out, nano_out, fout = read_pcap(outp)
    man = json.load(open(os.path.splitext(inp)[0] + '.json'))
    if (lt_in, nano_in) != (lt_out, nano_out):
        problems.append('link type/resolution %s -> %s' % ((lt_in, nano_in), (lt_out, nano_out)))
    want = [f for i, f in enumerate(fin) if i not in man['refused']]
    by_ts = {(f[0], f[1]): f for f in fout}
    if len(fout) != len(want) or len(by_ts) != len(fout):
        problems.append('%d frames out, %d expected (%d in, %d refused)' % (
            len(fout), len(want), len(fin), len(man['refused'])))
    masked = 0
    for i, (sec, frac, data, wire) in enumerate(want):
        o = by_ts.get((sec, frac))
        if o is None:
            problems.append('frame %d (ts %d.%d) missing' % (i, sec, frac))
            continue
        odata = o[2]
        if len(odata) != len(data) or o[3] != wire:
            problems.append('frame %d: %d/%d bytes, was %d/%d' % (i, len(odata), o[3],
                                                                 len(data), wire))
            continue
        hl = l3_offset(lt_in, data)
        if odata[:hl] != data[:hl]:
            problems.append('frame %d: link header changed' % i)
        ok = tcp_ok(data[hl:])
        allowed = set()
        if ok is not None:
            allowed |= {hl + ok[1], hl + ok[1] + 1}      # TCP checksum field
            if not tcp_ok(odata[hl:])[0]:
                problems.append('frame %d: bad TCP checksum' % i)
        for v in VALUES:
            at = data.find(v.encode())
            while at >= 0:
                allowed |= set(range(at, at + len(v)))
                if odata[at:at + len(v)] == data[at:at + len(v)]:
                    problems.append('frame %d: a value left unmasked at %d' % (i, at))
                else:
                    masked += 1
                at = data.find(v.encode(), at + 1)
        diff = [k for k in range(len(data)) if data[k] != odata[k] and k not in allowed]
        if diff:
            problems.append('frame %d: %d byte(s) changed outside values, first at %d' % (
                i, len(diff), diff[0]))
    if any(v.encode() in f[2] for f in fout for v in VALUES):
        problems.append('a value is readable in the output')
    if masked != man['values']:
        problems.append('%d values masked, %d in the capture' % (masked, man['values']))
    name = os.path.basename(inp)
    for p in problems[:10]:
        print('  FAIL %s: %s' % (name, p))
    print('  %s: link type %d, %d frames in, %d out, %d values masked, %s' % (
        name, lt_in, len(fin), len(fout), masked, 'ok' if not problems else 'WRONG'))
    return 1 if problems else 0


def spoil(inp, outp, kind):
    lt, nano, fr = read_pcap(inp)
    fr = [list(f) for f in fr]
    if kind == 'cut':
        f = max(fr, key=lambda f: len(f[2]))
        f[2] = f[2][:16128]
    elif kind == 'time':
        for f in fr:
            f[1] += 1000 if nano else 1
    elif kind == 'hdr':
        f = fr[0]
        f[2] = bytes([f[2][0] ^ 1]) + f[2][1:]
    else:
        sys.exit('unknown spoil %s' % kind)
    write_pcap(outp, lt, nano, fr)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'gen':
        gen(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == 'spoil':
        spoil(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == 'check':
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
