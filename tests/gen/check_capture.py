#!/usr/bin/python3
"""Check a capture written by wiremask-gen and its ground truth, on their own.

usage: check_capture.py [options] PCAP TRUTH

Capture:
  frames    every frame decodes (Ethernet, 802.1Q/QinQ, VXLAN, IPv4/IPv6,
            TCP), every IPv4 header and TCP checksum is right
  streams   each direction, reassembled here by sequence number, has no
            hole, and copies of the same bytes (retransmissions) agree
  acks      a receiver never acknowledges bytes that have not all arrived
            yet, in capture order (reordering is seen, not papered over)
  tshark    (unless --no-tshark) tshark reads the file with checksum
            validation on and reports no bad checksum, malformed frame or
            error-level expert message
Truth (one JSON line per value):
  place     the entry's flow and direction exist; seq - offset is the
            direction's ISN + 1 (or its first byte, mid-stream); the
            stream holds the value's bytes at the offset
  rules     the value passes its detector's rules, as this file writes
            them (independently of lib/detect): card Luhn + brand IIN and
            length + separators; ssn SSA rules, no known sample; email
            syntax; iban country length + mod 97; aws_access_key AKIA/ASIA
            + 16 base32; jwt three base64url parts, header JSON with
            "alg"; bearer after "Authorization: Bearer", to the line end;
            and the bytes around it do not extend it
  filler    outside the values, nothing looks like one: no run of 13+
            digits (single spaces or dashes allowed), no ddd-dd-dddd, no
            '@', no phone number or dotted quad, no "::" or IPv6-like
            run, no IBAN-shaped run, no AKIA/ASIA/AIza/eyJ, no PEM block,
            every "Authorization: Bearer" token is in the truth
  --density D [--tolerance T]
            values per KiB of payload within T (default 0.35) of D
  --expect-kinds LIST
            every kind in LIST has at least one value

Exit 0 pass, 1 fail, 2 usage or read error. Prints no value: problems
name the flow, offset, length and detector only.
"""
import argparse
import base64
import json
import re
import shutil
import subprocess
import sys

import wmpcap

# --- detector rules, written from the specifications --------------------

CARD_BRANDS = [  # (IIN low, high, digits of IIN, lengths)
    (4, 4, 1, (13, 16, 19)),
    (51, 55, 2, (16,)), (2221, 2720, 4, (16,)),
    (34, 34, 2, (15,)), (37, 37, 2, (15,)),
    (6011, 6011, 4, range(16, 20)), (644, 649, 3, range(16, 20)),
    (65, 65, 2, range(16, 20)), (622126, 622925, 6, range(16, 20)),
    (3528, 3589, 4, range(16, 20)),
    (300, 305, 3, range(14, 20)), (36, 36, 2, range(14, 20)),
    (38, 39, 2, range(14, 20)),
    (62, 62, 2, range(16, 20)),
]

IBAN_LEN = {'DE': 22, 'GB': 22, 'FR': 27, 'NL': 18, 'ES': 24, 'IT': 27,
            'BE': 16, 'AT': 20, 'CH': 21, 'PL': 28, 'SE': 24, 'NO': 15}

SSN_SAMPLES = {'078051120', '219099999', '457555462'}


def luhn(d):
    s = 0
    for k, c in enumerate(reversed(d)):
        v = ord(c) - 48
        if k % 2:
            v = v * 2 - 9 if v > 4 else v * 2
        s += v
    return s % 10 == 0


def card_ok(v):
    if not re.fullmatch(r'[0-9]+(?:([ -])[0-9]+)*', v):
        return 'not digit groups'
    seps = set(re.findall(r'[ -]', v))
    if len(seps) > 1:
        return 'mixed separators'
    d = re.sub(r'[ -]', '', v)
    if not 13 <= len(d) <= 19:
        return '%d digits' % len(d)
    if not luhn(d):
        return 'Luhn'
    if not any(lo <= int(d[:k]) <= hi and len(d) in lens
               for lo, hi, k, lens in CARD_BRANDS):
        return 'no brand'
    return None


def ssn_ok(v):
    m = re.fullmatch(r'([0-9]{3})-([0-9]{2})-([0-9]{4})', v)
    if not m:
        return 'shape'
    a, g, s = m.groups()
    if a in ('000', '666') or a[0] == '9' or g == '00' or s == '0000':
        return 'SSA rules'
    if a + g + s in SSN_SAMPLES:
        return 'published sample'
    return None


def email_ok(v):
    if not re.fullmatch(r'[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}', v):
        return 'syntax'
    return None


def mod97(s):
    s = s[4:] + s[:4]
    n = ''.join(str(int(c, 36)) for c in s)
    return int(n) % 97 == 1


def iban_ok(v):
    if ' ' in v:
        groups = v.split(' ')
        if any(len(g) != 4 for g in groups[:-1]) or not 1 <= len(groups[-1]) <= 4:
            return 'grouping'
    c = v.replace(' ', '')
    if not re.fullmatch(r'[A-Z]{2}[0-9]{2}[A-Z0-9]+', c):
        return 'shape'
    if IBAN_LEN.get(c[:2]) != len(c):
        return 'country length'
    if not mod97(c):
        return 'mod 97'
    return None


def aws_ok(v):
    return None if re.fullmatch(r'(?:AKIA|ASIA)[A-Z2-7]{16}', v) else 'shape'


def b64json(part):
    raw = base64.urlsafe_b64decode(part + '=' * (-len(part) % 4))
    return json.loads(raw)


def jwt_ok(v):
    parts = v.split('.')
    if len(parts) != 3 or not all(re.fullmatch(r'[A-Za-z0-9_-]*', p) for p in parts):
        return 'not three base64url parts'
    if len(v) > 253:
        return 'longer than 253 (wiremask masks only the end)'
    try:
        h, _ = b64json(parts[0]), b64json(parts[1])
    except (ValueError, UnicodeDecodeError):
        return 'header or payload is not base64url JSON'
    if not isinstance(h, dict) or 'alg' not in h:
        return 'header without alg'
    return None


def bearer_ok(v):
    return None if re.fullmatch(r'[A-Za-z0-9._~+/-]+=*', v) else 'token68 syntax'


RULES = {'card': card_ok, 'ssn': ssn_ok, 'email': email_ok, 'iban': iban_ok,
         'aws_access_key': aws_ok, 'jwt': jwt_ok, 'bearer': bearer_ok}

# Bytes that would extend a value of the kind on either side.
EXTEND = {
    'card': b'0123456789 -', 'ssn': b'0123456789-',
    'iban': b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ',
    'aws_access_key': b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_',
    'jwt': b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-',
    'bearer': b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=',
}
EMAIL_BEFORE = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-'
EMAIL_AFTER = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-'


def context_problem(kind, data, off, n):
    before = data[off - 1] if off > 0 else None
    after = data[off + n] if off + n < len(data) else None
    if kind == 'email':
        bad_b, bad_a = EMAIL_BEFORE, EMAIL_AFTER
    else:
        bad_b = bad_a = EXTEND[kind]
    if before is not None and before in bad_b:
        return 'the byte before extends it'
    if after is not None and after in bad_a:
        return 'the byte after extends it'
    if kind == 'bearer':
        head = bytes(data[max(0, off - 22):off]).lower()
        if head != b'authorization: bearer ' or bytes(data[off + n:off + n + 2]) != b'\r\n':
            return 'not the token of an Authorization: Bearer line'
    return None


# --- filler: nothing outside the values may look like one ---------------

FILLER = [
    ('13+ digits', re.compile(rb'[0-9](?:[ -]?[0-9]){12,}')),
    ('ssn shape', re.compile(rb'[0-9]{3}-[0-9]{2}-[0-9]{4}')),
    ('@', re.compile(rb'@')),
    ('phone', re.compile(rb'\+[0-9]|[0-9]{3}[-.][0-9]{3}[-.][0-9]{4}|\([0-9]{3}\)')),
    ('dotted quad', re.compile(rb'[0-9]{1,3}(?:\.[0-9]{1,3}){3}')),
    ('ipv6', re.compile(rb'::|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){3,}')),
    ('iban shape', re.compile(rb'(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,}')),
    ('key prefix', re.compile(rb'AKIA|ASIA|AIza|eyJ')),
    ('pem', re.compile(rb'-----BEGIN')),
    ('basic auth', re.compile(rb'(?i)authorization:[ \t]*basic')),
]
RE_BEARER = re.compile(rb'(?i)authorization:[ \t]*bearer[ \t]+([A-Za-z0-9._~+/-]+=*)')


def covered(ranges, a, b):
    """Is [a, b) inside one value range?"""
    return any(s <= a and b <= e for s, e in ranges)


def scan_filler(d, ranges, problems, where):
    data = bytes(d.data)
    for name, rx in FILLER:
        for m in rx.finditer(data):
            if not covered(ranges, m.start(), m.end()):
                problems.append('%s: filler at offset %d (%d bytes) looks like a value (%s)'
                                % (where, m.start(), m.end() - m.start(), name))
    for m in RE_BEARER.finditer(data):
        if not any(s == m.start(1) and e == m.end(1) for s, e in ranges):
            problems.append('%s: bearer token at offset %d is not in the truth'
                            % (where, m.start(1)))


# --- checks ---------------------------------------------------------------

def check_acks(frs, problems):
    """In capture order, an ACK covers only bytes the other side has
    sent contiguously from its start (plus its FIN)."""
    got, contig, fin = {}, {}, {}
    dirs = wmpcap.streams(frs)
    for fr in frs:
        if fr.key is None:
            continue
        d = dirs[fr.key]
        if fr.payload:
            have = got.setdefault(fr.key, bytearray(len(d.data)))
            o = d.rel(fr.seq)
            have[o:o + len(fr.payload)] = b'\1' * len(fr.payload)
            c = contig.get(fr.key, 0)
            while c < len(have) and have[c]:
                c += 1
            contig[fr.key] = c
        if fr.flags & 0x01:
            fin[fr.key] = d.rel(fr.seq)
        if fr.flags & 0x10:
            src, sport, dst, dport = fr.key
            peer = (dst, dport, src, sport)
            if peer not in dirs:
                continue
            p = dirs[peer]
            acked = p.rel(fr.ack)
            limit = contig.get(peer, 0)
            if peer in fin and fin[peer] == limit:
                limit += 1
            if acked > limit and acked < 2**31:
                problems.append('frame %d: %s acknowledges %d bytes, only %d arrived in order'
                                % (fr.index + 1, wmpcap.key_str(fr.key), acked, limit))


def run_tshark(path, problems):
    if shutil.which('tshark') is None:
        print('check: tshark not installed, its part skipped')
        return
    flt = ('ip.checksum.status == 0 || tcp.checksum.status == 0 || '
           '_ws.malformed || _ws.expert.severity >= 8388608')
    # HTTP off: its dissector calls a segment that follows a reordered one
    # malformed (no out-of-order reassembly); only L2-L4 is judged here.
    r = subprocess.run(['tshark', '-n', '-r', path, '--disable-protocol', 'http',
                        '-o', 'tcp.check_checksum:TRUE',
                        '-o', 'ip.check_checksum:TRUE', '-Y', flt, '-T', 'fields',
                        '-e', 'frame.number', '-e', '_ws.expert.message'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = '\n'.join(l for l in r.stderr.decode(errors='replace').splitlines()
                    if l.strip() and not l.startswith('Running as user'))
    if r.returncode != 0:
        problems.append('tshark failed (%d): %s' % (r.returncode, err[:300]))
        return
    if err:
        problems.append('tshark: %s' % err[:300])
    lines = [l for l in r.stdout.decode(errors='replace').splitlines() if l.strip()]
    for l in lines[:10]:
        problems.append('tshark: frame %s' % l)
    if len(lines) > 10:
        problems.append('tshark: %d more frames' % (len(lines) - 10))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('pcap')
    ap.add_argument('truth')
    ap.add_argument('--density', type=float)
    ap.add_argument('--tolerance', type=float, default=0.35)
    ap.add_argument('--expect-kinds', default='')
    ap.add_argument('--no-tshark', action='store_true')
    ap.add_argument('--label', default='')
    ap.add_argument('--max-problems', type=int, default=20)
    a = ap.parse_args()
    label = a.label or a.pcap
    try:
        frs = wmpcap.frames(a.pcap)
        truth = [json.loads(l) for l in open(a.truth) if l.strip()]
    except (OSError, ValueError) as e:
        print('check: cannot read: %s' % e)
        return 2
    problems = []
    for fr in frs:
        for e in fr.errors:
            problems.append('frame %d: %s' % (fr.index + 1, e))
    dirs = wmpcap.streams(frs, wmpcap.truth_bases(truth))
    for k, d in sorted(dirs.items()):
        if d.holes():
            problems.append('%s: holes %s' % (wmpcap.key_str(k), d.holes()[:3]))
        if d.conflicts:
            problems.append('%s: %d retransmitted bytes differ from the first copy'
                            % (wmpcap.key_str(k), len(d.conflicts)))
    check_acks(frs, problems)

    ranges, kinds = {}, {}
    for i, t in enumerate(truth):
        k = wmpcap.truth_key(t)
        where = 'truth line %d (%s %s offset %d len %d %s)' % (
            i + 1, wmpcap.key_str(k), t['dir'], t['offset'], t['len'], t['detector'])
        d = dirs.get(k)
        if d is None:
            problems.append('%s: no such flow direction' % where)
            continue
        kinds[t['detector']] = kinds.get(t['detector'], 0) + 1
        v = t['value'].encode()
        off, n = t['offset'], t['len']
        if len(v) != n:
            problems.append('%s: len is not the value\'s length' % where)
        if d.rel(t['seq']) != off:
            problems.append('%s: seq does not match the offset' % where)
        if bytes(d.data[off:off + n]) != v:
            problems.append('%s: the stream does not hold the value there' % where)
            continue
        rule = RULES.get(t['detector'])
        why = rule(t['value']) if rule else 'unknown detector'
        why = why or context_problem(t['detector'], d.data, off, n)
        if why:
            problems.append('%s: %s' % (where, why))
        ranges.setdefault(k, []).append((off, off + n))
    for k, rs in ranges.items():
        rs.sort()
        for (s1, e1), (s2, e2) in zip(rs, rs[1:]):
            if s2 < e1:
                problems.append('%s: values overlap at offset %d' % (wmpcap.key_str(k), s2))
    for k, d in sorted(dirs.items()):
        scan_filler(d, ranges.get(k, []), problems, wmpcap.key_str(k))

    payload = sum(len(d.data) for d in dirs.values())
    per_kib = len(truth) * 1024.0 / payload if payload else 0
    if a.density is not None:
        if a.density == 0 and truth:
            problems.append('density 0 but %d values' % len(truth))
        elif a.density > 0 and abs(per_kib - a.density) > a.tolerance * a.density:
            problems.append('density %.2f values/KiB, expected %.2f' % (per_kib, a.density))
    for kind in filter(None, a.expect_kinds.split(',')):
        if not kinds.get(kind):
            problems.append('no %s value' % kind)
    if not a.no_tshark:
        run_tshark(a.pcap, problems)

    for p in problems[:a.max_problems]:
        print('  ' + p)
    if len(problems) > a.max_problems:
        print('  ... %d more' % (len(problems) - a.max_problems))
    print('check %s: %s: %d frames, %d directions, %d payload bytes, %d values '
          '(%.2f/KiB) %s' % (label, 'FAIL' if problems else 'PASS', len(frs), len(dirs),
                             payload, len(truth), per_kib,
                             ' '.join('%s=%d' % kv for kv in sorted(kinds.items()))))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
