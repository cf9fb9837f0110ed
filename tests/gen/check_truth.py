#!/usr/bin/python3
"""Check wiremask's output against wiremask-gen's ground truth.

usage: check_truth.py [options] IN.pcap OUT.pcap TRUTH.jsonl

IN is the generated capture, OUT what wiremask wrote, TRUTH the generator's
ground truth (one JSON line per value: flow, dir, seq, offset, len,
detector, value). Both captures are reassembled here by sequence number
(first copy wins), independently of wiremask and of tshark.

Fails on:
  truth       a truth value is not at its offset in IN (wrong truth)
  missing     a direction of IN absent from OUT, shorter, or with holes
  leaked      a value whose bytes OUT still shows in clear, beyond what
              the operator keeps on purpose (--keep: by default what
              configs/examples/all-detectors.cfg keeps: a card's first 6
              and last 4 digits, an e-mail's '@' and domain; separators
              and other non-alphanumerics everywhere). Keyed operators
              (token, FF1) map a character to an equal one by chance (a
              digit 1 time in 10), so a value leaks when its maskable
              characters are all unchanged, or a run of --run (6) of them
              is; over all values, at most --max-unchanged (0.25) of the
              maskable characters may be unchanged. --strict (redact,
              partial): every maskable character must change.
  collateral  a byte outside every value differs between IN and OUT
  copies      two copies of the same stream bytes in OUT differ (a
              retransmission that left with other bytes, e.g. in clear)
  badsum      an OUT frame with a bad IPv4 header or TCP checksum
  frames      OUT has another number of frames than IN (--frames-may-differ
              to allow)

Prints problems by truth line, flow, offset, length and detector, never a
value's bytes; one summary line "check_truth: PASS|FAIL ...". Exit 0 pass,
1 fail, 2 usage or read error. Plain Python 3 (wmpcap.py beside it).
"""
import argparse
import json
import sys

import wmpcap


def alnum(c):
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


def parse_keep(text):
    """'card=6+4,email=domain' -> {'card': (6, 4), 'email': 'domain'}"""
    keep = {}
    for item in filter(None, text.split(',')):
        kind, _, how = item.partition('=')
        if how == 'domain':
            keep[kind] = 'domain'
        else:
            first, _, last = how.partition('+')
            keep[kind] = (int(first), int(last or 0))
    return keep


def maskable(kind, value, keep):
    """Positions of @value an operator must change: letters and digits,
    less the ones @keep says it may leave."""
    pos = [i for i, c in enumerate(value) if alnum(c)]
    k = keep.get(kind)
    if k == 'domain':
        at = value.find(b'@')
        pos = [i for i in pos if at < 0 or i < at]
    elif k:
        first, last = k
        if len(pos) > first + last:
            pos = pos[first:len(pos) - last]
    return pos


def leak_reason(orig, out, pos, strict, run_max):
    """Why @out still shows @orig at the maskable positions, or None;
    and how many of them are unchanged."""
    same = [out[i] == orig[i] for i in pos]
    n = sum(same)
    if not pos:
        return None, 0
    if strict and n:
        return '%d of %d maskable characters unchanged' % (n, len(pos)), n
    if n == len(pos):
        return 'unchanged (%d maskable characters)' % len(pos), n
    run = best = 0
    for s in same:
        run = run + 1 if s else 0
        best = max(best, run)
    if best >= run_max:
        return '%d maskable characters in a row unchanged' % best, n
    return None, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('inp', metavar='IN')
    ap.add_argument('out', metavar='OUT')
    ap.add_argument('truth')
    ap.add_argument('--keep', default='card=6+4,email=domain')
    ap.add_argument('--strict', action='store_true')
    ap.add_argument('--run', type=int, default=6)
    ap.add_argument('--max-unchanged', type=float, default=0.25)
    ap.add_argument('--frames-may-differ', action='store_true')
    ap.add_argument('--label', default='')
    ap.add_argument('--max-problems', type=int, default=20)
    a = ap.parse_args()
    keep = parse_keep(a.keep)
    try:
        fin, fout = wmpcap.frames(a.inp), wmpcap.frames(a.out)
        truth = [json.loads(l) for l in open(a.truth) if l.strip()]
    except (OSError, ValueError, KeyError) as e:
        print('check_truth: cannot read: %s' % e)
        return 2
    problems = []
    counts = dict.fromkeys(('leaked', 'collateral', 'missing', 'copies', 'badsum',
                            'truth'), 0)

    def problem(kind, text):
        counts[kind] += 1
        problems.append('%s: %s' % (kind, text))

    for fr in fout:
        for e in fr.errors:
            problem('badsum', 'OUT frame %d: %s' % (fr.index + 1, e))
    if len(fin) != len(fout) and not a.frames_may_differ:
        problem('missing', 'IN has %d frames, OUT %d' % (len(fin), len(fout)))

    bases = wmpcap.truth_bases(truth)
    din = wmpcap.streams(fin, bases)
    bases.update((k, d.base) for k, d in din.items())
    dout = wmpcap.streams(fout, bases)

    ranges = {}
    total_pos = total_same = masked = 0
    for i, t in enumerate(truth):
        k = wmpcap.truth_key(t)
        off, n, kind = t['offset'], t['len'], t['detector']
        where = 'truth line %d (%s %s offset %d len %d %s)' % (
            i + 1, wmpcap.key_str(k), t['dir'], off, n, kind)
        d = din.get(k)
        v = t['value'].encode()
        if d is None or bytes(d.data[off:off + n]) != v:
            problem('truth', '%s: IN does not hold the value there' % where)
            continue
        ranges.setdefault(k, []).append((off, off + n))
        o = dout.get(k)
        if o is None or len(o.data) < off + n or not all(o.have[off:off + n]):
            problem('missing', '%s: OUT lacks these bytes' % where)
            continue
        pos = maskable(kind, v, keep)
        why, same = leak_reason(v, bytes(o.data[off:off + n]), pos, a.strict, a.run)
        total_pos += len(pos)
        total_same += same
        if why:
            problem('leaked', '%s: %s' % (where, why))
        else:
            masked += 1

    for k, d in sorted(din.items()):
        o = dout.get(k)
        name = wmpcap.key_str(k)
        if o is None:
            problem('missing', '%s: no such direction in OUT' % name)
            continue
        if len(o.data) != len(d.data) or o.holes():
            problem('missing', '%s: OUT has %d stream bytes (holes %s), IN %d'
                    % (name, len(o.data), o.holes()[:3], len(d.data)))
        if o.conflicts:
            offs = sorted(set(c[0] for c in o.conflicts))
            problem('copies', '%s: %d bytes carried differently by two OUT copies '
                    '(first at offset %d)' % (name, len(offs), offs[0]))
        a_in, a_out = bytearray(d.data), bytearray(o.data[:len(d.data)])
        for s, e in ranges.get(k, []):
            a_in[s:e] = bytes(e - s)
            a_out[s:e] = bytes(e - s)
        if len(a_out) == len(a_in) and a_in != a_out:
            diff = [j for j in range(len(a_in)) if a_in[j] != a_out[j]]
            problem('collateral', '%s: %d bytes outside the values changed (first at '
                    'offset %d)' % (name, len(diff), diff[0]))

    frac = total_same / total_pos if total_pos else 0.0
    if not a.strict and frac > a.max_unchanged:
        problem('leaked', '%.0f%% of all maskable characters unchanged (at most %.0f%%)'
                % (100 * frac, 100 * a.max_unchanged))

    for p in problems[:a.max_problems]:
        print('  ' + p)
    if len(problems) > a.max_problems:
        print('  ... %d more' % (len(problems) - a.max_problems))
    print('check_truth %s: %s: %d frames in, %d out, %d values, %d masked, '
          '%.1f%% of maskable characters unchanged%s'
          % (a.label or a.out, 'FAIL' if problems else 'PASS', len(fin), len(fout),
             len(truth), masked, 100 * frac,
             ''.join(' %s=%d' % kv for kv in counts.items() if kv[1])))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
