"""Read classic pcap files and reassemble TCP streams, for tests/gen.

Independent of wiremask and of wiremask-gen: plain Python 3, no scapy.

  frames(path)          -> list of Frame (every header decoded, checksums
                           verified: Frame.errors lists the bad ones)
  Streams(frames, ...)  -> per direction of each connection: the payload
                           bytes by stream offset (first copy wins), the
                           copies that disagree, the holes
  write_pcap(path, frames) writes frames back (after Frame.set_payload)

Frames carry Ethernet, 802.1Q / 802.1ad tags, VXLAN (UDP 4789) over
IPv4, and IPv4 or IPv6 with TCP. A direction is keyed by its inner
(src, sport, dst, dport), addresses as packed bytes.
"""
import ipaddress
import struct

VXLAN_PORT = 4789
PCAP_MAGIC_US = 0xa1b2c3d4


def csum(data, acc=0):
    """Ones' complement sum folded to 16 bits (not inverted)."""
    if len(data) % 2:
        data = data + b'\0'
    acc += sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while acc >> 16:
        acc = (acc & 0xffff) + (acc >> 16)
    return acc


class Frame:
    """One frame: where its inner TCP header and payload are, and what
    was wrong with it."""
    __slots__ = ('index', 'ts', 'raw', 'errors', 'key', 'seq', 'ack',
                 'flags', 'payload', 'ip_off', 'tcp_off', 'pay_off',
                 'ipv6', 'vlans', 'vni', 'outer_udp')

    def __init__(self, index, ts, raw):
        self.index, self.ts, self.raw = index, ts, bytearray(raw)
        self.errors, self.key, self.vlans, self.vni = [], None, [], None
        self.payload, self.outer_udp = b'', None
        self.seq = self.ack = self.flags = 0
        self.ip_off = self.tcp_off = self.pay_off = 0
        self.ipv6 = False
        self._decode()

    def _l2(self, off):
        b = self.raw
        if len(b) < off + 14:
            raise ValueError('short Ethernet header')
        t = struct.unpack_from('!H', b, off + 12)[0]
        off += 14
        while t in (0x8100, 0x88a8):
            tci, t = struct.unpack_from('!HH', b, off)
            self.vlans.append(tci & 0xfff)
            off += 4
        return t, off

    def _decode(self):
        try:
            t, off = self._l2(0)
            if t == 0x0800 and self.raw[off + 9] == 17:
                # VXLAN: outer IPv4 / UDP 4789
                ihl = (self.raw[off] & 15) * 4
                self._check_ipv4(off)
                u = off + ihl
                sport, dport, ulen, ucs = struct.unpack_from('!HHHH', self.raw, u)
                if dport != VXLAN_PORT:
                    raise ValueError('UDP, not VXLAN')
                self.outer_udp = u
                if ucs:
                    self.errors.append('outer UDP checksum set (not checked)')
                self.vni = struct.unpack_from('!I', self.raw, u + 12)[0] >> 8
                t, off = self._l2(u + 16)
            if t == 0x0800:
                self._ipv4(off)
            elif t == 0x86dd:
                self._ipv6(off)
            else:
                raise ValueError('not IP (ethertype %04x)' % t)
        except (ValueError, struct.error, IndexError) as e:
            self.errors.append('undecodable: %s' % e)

    def _check_ipv4(self, off):
        ihl = (self.raw[off] & 15) * 4
        if csum(bytes(self.raw[off:off + ihl])) != 0xffff:
            self.errors.append('bad IPv4 header checksum')

    def _ipv4(self, off):
        b = self.raw
        if b[off] >> 4 != 4:
            raise ValueError('IPv4 version')
        ihl = (b[off] & 15) * 4
        tot = struct.unpack_from('!H', b, off + 2)[0]
        if b[off + 9] != 6:
            raise ValueError('not TCP')
        if struct.unpack_from('!H', b, off + 6)[0] & 0x3fff:
            raise ValueError('IP fragment')
        self._check_ipv4(off)
        src, dst = bytes(b[off + 12:off + 16]), bytes(b[off + 16:off + 20])
        self.ip_off = off
        self._tcp(off + ihl, off + tot, src, dst)

    def _ipv6(self, off):
        b = self.raw
        plen = struct.unpack_from('!H', b, off + 4)[0]
        if b[off + 6] != 6:
            raise ValueError('not TCP (or IPv6 extension headers)')
        self.ipv6 = True
        self.ip_off = off
        src, dst = bytes(b[off + 8:off + 24]), bytes(b[off + 24:off + 40])
        self._tcp(off + 40, off + 40 + plen, src, dst)

    def _pseudo(self, src, dst, tlen):
        if self.ipv6:
            return csum(src + dst + struct.pack('!IxxxB', tlen, 6))
        return csum(src + dst + struct.pack('!xBH', 6, tlen))

    def _tcp(self, off, end, src, dst):
        b = self.raw
        if end > len(b):
            raise ValueError('IP length beyond the frame')
        sport, dport, seq, ack, hl, flags = struct.unpack_from('!HHIIBB', b, off)
        hlen = (hl >> 4) * 4
        if csum(bytes(b[off:end]), self._pseudo(src, dst, end - off)) != 0xffff:
            self.errors.append('bad TCP checksum')
        self.tcp_off, self.pay_off = off, off + hlen
        self.key = (src, sport, dst, dport)
        self.seq, self.ack, self.flags = seq, ack, flags
        self.payload = bytes(b[off + hlen:end])

    def set_payload(self, data):
        """Replace the payload (same length) and fix the TCP checksum."""
        assert len(data) == len(self.payload)
        b = self.raw
        end = self.pay_off + len(data)
        b[self.pay_off:end] = data
        b[self.tcp_off + 16:self.tcp_off + 18] = b'\0\0'
        src, sport, dst, dport = self.key
        s = csum(bytes(b[self.tcp_off:end]),
                 self._pseudo(src, dst, end - self.tcp_off))
        struct.pack_into('!H', b, self.tcp_off + 16, ~s & 0xffff)
        self.payload = bytes(data)


def frames(path):
    """Every frame of a classic pcap file (microsecond or nanosecond,
    either byte order, link type Ethernet)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError('%s: not a pcap file' % path)
    for endian in '<>':
        magic, vmaj, vmin, _, _, snap, lt = struct.unpack_from(endian + 'IHHiIII', data)
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            break
    else:
        raise ValueError('%s: not a classic pcap file' % path)
    if lt != 1:
        raise ValueError('%s: link type %d, not Ethernet' % (path, lt))
    div = 1e6 if magic == 0xa1b2c3d4 else 1e9
    out, off, i = [], 24, 0
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack_from(endian + 'IIII', data, off)
        off += 16
        if off + incl > len(data):
            raise ValueError('%s: truncated record %d' % (path, i))
        out.append(Frame(i, sec + frac / div, data[off:off + incl]))
        off += incl
        i += 1
    if off != len(data):
        raise ValueError('%s: %d trailing bytes' % (path, len(data) - off))
    return out


def write_pcap(path, frs):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', PCAP_MAGIC_US, 2, 4, 0, 0, 65535, 1))
        for fr in frs:
            sec = int(fr.ts)
            us = int(round((fr.ts - sec) * 1e6))
            f.write(struct.pack('<IIII', sec, us, len(fr.raw), len(fr.raw)))
            f.write(fr.raw)


def addr(text):
    """Packed bytes of an address written as text."""
    return ipaddress.ip_address(text).packed


def key_str(key):
    src, sport, dst, dport = key
    return '%s:%d>%s:%d' % (ipaddress.ip_address(src), sport,
                            ipaddress.ip_address(dst), dport)


class Direction:
    """One direction of a connection: payload bytes by stream offset."""

    def __init__(self, key):
        self.key = key
        self.isn = None   # sequence number of the SYN, if seen
        self.segs = []    # (seq, payload, frame index)
        self.base = None  # sequence number of stream offset 0
        self.data = bytearray()
        self.have = bytearray()
        self.conflicts = []  # (offset, length, frame index)

    def rel(self, seq):
        return (seq - self.base) & 0xffffffff

    def build(self, base=None):
        """Place every copy at its offset (the first copy wins); the base
        is ISN + 1 when a SYN was seen, else @base, else the lowest
        sequence number seen (relative to the first one, so a stream
        that wraps around 2**32 is handled)."""
        if self.isn is not None:
            self.base = (self.isn + 1) & 0xffffffff
        elif base is not None:
            self.base = base
        elif self.segs:
            first = self.segs[0][0]
            low = min(((s - first + 2**31) & 0xffffffff) - 2**31
                      for s, _, _ in self.segs)
            self.base = (first + low) & 0xffffffff
        else:
            self.base = 0
        end = max([self.rel(s) + len(p) for s, p, _ in self.segs] or [0])
        self.data = bytearray(end)
        self.have = bytearray(end)
        for seq, p, idx in self.segs:
            o = self.rel(seq)
            if self.have.find(1, o, o + len(p)) < 0:
                self.data[o:o + len(p)] = p
                self.have[o:o + len(p)] = b'\1' * len(p)
                continue
            for i, c in enumerate(p):
                if self.have[o + i]:
                    if self.data[o + i] != c:
                        self.conflicts.append((o + i, 1, idx))
                else:
                    self.data[o + i] = c
                    self.have[o + i] = 1
        return self

    def holes(self):
        out, i, n = [], 0, len(self.have)
        while i < n:
            if not self.have[i]:
                j = i
                while j < n and not self.have[j]:
                    j += 1
                out.append((i, j - i))
                i = j
            else:
                i += 1
        return out


def streams(frs, bases=None):
    """Directions of every TCP connection in @frs: {key: Direction}.
    @bases: {key: sequence number of offset 0} for directions without a
    SYN (mid-stream)."""
    dirs = {}
    for fr in frs:
        if fr.key is None:
            continue
        d = dirs.get(fr.key)
        if d is None:
            d = dirs[fr.key] = Direction(fr.key)
        if fr.flags & 0x02:
            d.isn = fr.seq
        if fr.payload:
            d.segs.append((fr.seq, fr.payload, fr.index))
    for k, d in dirs.items():
        d.build((bases or {}).get(k))
    return dirs


def truth_key(t):
    """Direction key of a truth entry (the sender's side first)."""
    f = t['flow']
    c = (addr(f['src']), f['sport'])
    s = (addr(f['dst']), f['dport'])
    return c + s if t['dir'] == 'c2s' else s + c


def truth_bases(truth):
    """Sequence number of offset 0 per direction, from the truth."""
    out = {}
    for t in truth:
        out[truth_key(t)] = (t['seq'] - t['offset']) & 0xffffffff
    return out
