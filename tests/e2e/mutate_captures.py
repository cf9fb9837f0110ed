#!/usr/bin/python3
"""Mutate captures for robustness tests of wiremask (plain Python, no scapy).

  mutate_captures.py SEED IN OUT_HEADERS OUT_ORDER

From IN (a pcap, Ethernet) write two captures, the same every run for the
same SEED:

  OUT_HEADERS  header bytes flipped (1 to 3 in the first 64 bytes),
               frames truncated anywhere, absurd lengths written into
               the IPv4 header (IHL, total length), the IPv6 payload
               length and the TCP data offset (0, 1, 15, 65535...): about
               one frame in three each way, at least one of each;
  OUT_ORDER    frames shuffled within windows of 8 and about one in six
               sent twice.

Prints "IN: N frames -> headers N, order N".
"""
import random
import struct
import sys


def read_pcap(path):
    data = open(path, 'rb').read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        sys.exit('%s: not a pcap file' % path)
    hdr, off, frames = data[:24], 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        frames.append((sec, frac, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return e, hdr, frames


def write_pcap(path, e, hdr, frames):
    with open(path, 'wb') as f:
        f.write(hdr)
        for sec, frac, fr in frames:
            f.write(struct.pack(e + 'IIII', sec, frac, len(fr), len(fr)))
            f.write(fr)


def l3_offset(fr):
    """Offset and version of the outer IP header after up to 2 tags."""
    off = 12
    for _ in range(3):
        if off + 2 > len(fr):
            return None, 0
        et = struct.unpack('>H', fr[off:off + 2])[0]
        if et in (0x8100, 0x88a8):
            off += 4
            continue
        if et == 0x0800:
            return off + 2, 4
        if et == 0x86dd:
            return off + 2, 6
        return None, 0
    return None, 0


def absurd(rnd, fr):
    """Write one absurd length field; returns the frame (maybe unchanged)."""
    fr = bytearray(fr)
    l3, ver = l3_offset(fr)
    if l3 is None or l3 + 40 > len(fr):
        return bytes(fr)
    if ver == 4:
        ihl = (fr[l3] & 0x0f) * 4
        what = rnd.choice(['ihl', 'tot', 'doff'])
        if what == 'ihl':
            fr[l3] = 0x40 | rnd.choice([0, 1, 4, 6, 15])
        elif what == 'tot':
            fr[l3 + 2:l3 + 4] = struct.pack('>H', rnd.choice([0, 1, 19, 21, 41, 65535]))
        elif fr[l3 + 9] == 6 and l3 + ihl + 13 < len(fr):
            t = l3 + ihl + 12
            fr[t] = (rnd.choice([0, 1, 4, 6, 15]) << 4) | (fr[t] & 0x0f)
    else:
        what = rnd.choice(['plen', 'doff'])
        if what == 'plen':
            fr[l3 + 4:l3 + 6] = struct.pack('>H', rnd.choice([0, 1, 19, 21, 65535]))
        elif fr[l3 + 6] == 6 and l3 + 53 < len(fr):
            t = l3 + 40 + 12
            fr[t] = (rnd.choice([0, 1, 4, 15]) << 4) | (fr[t] & 0x0f)
    return bytes(fr)


def mutate_headers(rnd, frames):
    out, done = [], set()
    for i, (sec, frac, fr) in enumerate(frames):
        # at least one of each in the first three frames, then at random
        how = ['flip', 'trunc', 'len'][i] if i < 3 else rnd.choice(
            ['flip', 'trunc', 'len', 'none', 'none', 'none'])
        if how == 'flip' and fr:
            b = bytearray(fr)
            for _ in range(rnd.randint(1, 3)):
                k = rnd.randrange(min(64, len(b)))
                b[k] ^= 1 << rnd.randrange(8)
            fr = bytes(b)
        elif how == 'trunc' and len(fr) > 1:
            fr = fr[:rnd.randrange(1, len(fr))]
        elif how == 'len':
            fr = absurd(rnd, fr)
        done.add(how)
        out.append((sec, frac, fr))
    return out


def mutate_order(rnd, frames):
    out = []
    for k in range(0, len(frames), 8):
        w = frames[k:k + 8]
        rnd.shuffle(w)
        for f in w:
            out.append(f)
            if rnd.randrange(6) == 0:
                out.append(f)
    return out


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    seed, src, out_h, out_o = int(argv[0]), argv[1], argv[2], argv[3]
    e, hdr, frames = read_pcap(src)
    rnd = random.Random(seed)
    h = mutate_headers(rnd, frames)
    o = mutate_order(rnd, frames)
    write_pcap(out_h, e, hdr, h)
    write_pcap(out_o, e, hdr, o)
    print('%s: %d frames -> headers %d, order %d' % (src, len(frames), len(h), len(o)))


if __name__ == '__main__':
    main(sys.argv[1:])
