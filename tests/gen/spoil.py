#!/usr/bin/python3
"""Spoil a masked capture on purpose, to prove check_truth.py fails it.

usage: spoil.py MODE IN.pcap OUT.pcap TRUTH.jsonl DEST.pcap

Writes DEST: OUT (wiremask's output) with one defect, IN being its input:
  leak        one value (the first in the truth) back in clear in every
              frame that carries a byte of it
  prefix      the first half of the longest value back in clear
  last-copy   one value back in clear only in the last of two copies of
              its bytes (a retransmission that would leave unmasked)
  collateral  one letter outside every value changed
  badsum      one TCP checksum wrong
  drop        one frame with payload removed
Checksums stay right except for badsum. Prints what it did (no value).
"""
import json
import sys

import wmpcap


def spans(frs, key, d):
    """(frame, first stream offset) of every payload frame of @key."""
    return [(fr, d.rel(fr.seq)) for fr in frs if fr.key == key and fr.payload]


def restore(frs, key, d_in, d_out, start, end, only=None):
    """Put IN's bytes [start, end) back into the OUT frames (or only the
    frame @only) of direction @key; returns how many frames changed."""
    n = 0
    for fr, o in spans(frs, key, d_out):
        if only is not None and fr is not only:
            continue
        a, b = max(o, start), min(o + len(fr.payload), end)
        if a >= b:
            continue
        p = bytearray(fr.payload)
        p[a - o:b - o] = d_in.data[a:b]
        if bytes(p) != fr.payload:
            fr.set_payload(bytes(p))
            n += 1
    return n


def main():
    if len(sys.argv) != 6:
        print(__doc__)
        return 2
    mode, pin, pout, ptruth, dest = sys.argv[1:]
    fin, fout = wmpcap.frames(pin), wmpcap.frames(pout)
    truth = [json.loads(l) for l in open(ptruth) if l.strip()]
    bases = wmpcap.truth_bases(truth)
    din = wmpcap.streams(fin, bases)
    bases.update((k, d.base) for k, d in din.items())
    dout = wmpcap.streams(fout, bases)
    done = 0
    if mode in ('leak', 'prefix'):
        t = truth[0] if mode == 'leak' else max(truth, key=lambda t: t['len'])
        k = wmpcap.truth_key(t)
        end = t['offset'] + (t['len'] if mode == 'leak' else t['len'] // 2)
        done = restore(fout, k, din[k], dout[k], t['offset'], end)
        what = '%s value of %d bytes' % (t['detector'], t['len'])
    elif mode == 'last-copy':
        what = 'no value sent twice'
        for t in truth:
            k = wmpcap.truth_key(t)
            s, e = t['offset'], t['offset'] + t['len']
            cover = [fr for fr, o in spans(fout, k, dout[k])
                     if o < e and o + len(fr.payload) > s]
            seen, last = set(), None
            for fr in cover:
                if (fr.seq, len(fr.payload)) in seen:
                    last = fr  # a later copy of bytes already sent
                seen.add((fr.seq, len(fr.payload)))
            if last is not None:
                done = restore(fout, k, din[k], dout[k], s, e, only=last)
                what = '%s value, in the copy of frame %d' % (t['detector'], last.index + 1)
                if done:
                    break
    elif mode == 'collateral':
        ranges = {}
        for t in truth:
            ranges.setdefault(wmpcap.truth_key(t), []).append(
                (t['offset'], t['offset'] + t['len']))
        what = 'no frame'
        for fr in fout:
            if not fr.payload or fr.key is None:
                continue
            o = dout[fr.key].rel(fr.seq)
            for j, c in enumerate(fr.payload):
                inside = any(s <= o + j < e for s, e in ranges.get(fr.key, []))
                if not inside and 97 <= c <= 122:
                    p = bytearray(fr.payload)
                    p[j] = c - 32
                    fr.set_payload(bytes(p))
                    done, what = 1, 'frame %d byte %d' % (fr.index + 1, j)
                    break
            if done:
                break
    elif mode == 'badsum':
        fr = next(fr for fr in fout if fr.payload)
        fr.raw[fr.tcp_off + 16] ^= 0x5a
        done, what = 1, 'frame %d' % (fr.index + 1)
    elif mode == 'drop':
        fr = next(fr for fr in fout if len(fr.payload) > 1)
        fout.remove(fr)
        done, what = 1, 'frame %d' % (fr.index + 1)
    else:
        print('spoil: unknown mode %s' % mode)
        return 2
    if not done:
        print('spoil %s: nothing to spoil (%s)' % (mode, what))
        return 1
    wmpcap.write_pcap(dest, fout)
    print('spoil %s: %s (%d frame(s) changed)' % (mode, what, done))
    return 0


if __name__ == '__main__':
    sys.exit(main())
