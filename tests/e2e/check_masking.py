#!/usr/bin/python3
"""Check that a capture written by wiremask is a correct masking of its input.

The check is independent of the C code: tshark reassembles the TCP streams
of both captures (one byte string per connection and direction), and this
file finds sensitive values in the input streams with its own patterns and
validators:
  card   13-19 digits, single spaces or dashes between them, Luhn-valid,
         with a card brand's issuer prefix and length
  ssn    AAA-GG-SSSS, area not 000/666/9xx, group not 00, serial not 0000;
         also AAAGGSSSS and AAA GG SSSS after a context word ("ssn",
         "social security", "ss#", any case, starting a word; the word's
         token, then at most 32 bytes with no digit , ; & before it)
  email  local@domain.tld: local part 1-64 of [A-Za-z0-9._%+-], dotted
         domain labels, a TLD of 2-24 letters

Operators are length-preserving, so a value found at offset O of an input
stream must be at offset O of the matching output stream. Checks:
  missing     a stream direction absent from the output or of another length
  leaked      a value still readable at its place in the output:
                card:  a digit other than the first 6 and the last 4 in place
                ssn:   a digit of the area or group (first 5) in place
                email: the local part unchanged, or more than a third of
                       its letters and digits in place
  collateral  a byte outside every value changed
  pktleak     an input value readable inside one output TCP payload on its
              own (a retransmission or overlap carrying other bytes); the
              input values are those of the reassembled input streams and
              those found in any single input payload (a retransmission
              carrying other digits than the first copy)
  frames      frame count of the output differs from the input's
  --refragmented
              IP fragments may leave as other fragments (the appliance
              reassembles each datagram, judges it and splits it again,
              in its own sizes, or whole when it fits): the fragments of
              one datagram count as one frame (frames), the streams are
              compared reassembled (tshark defragments) as always
  badsum      output frames with a bad IP, TCP or UDP checksum (tshark's
              checksum validation on) that was not already bad in the
              input (a capture taken with checksum offload keeps its wrong
              checksums: only bytes and their checksum updates change)
  --log FILE  the run's own output: no input value (as it appeared, or a
              card's or SSN's bare digits) may appear in it
  --identical the output must equal the input byte for byte, frame by frame
  --expect-values N
              the input must hold exactly N values (a broken generator or
              pattern cannot make the check pass vacuously)
  --gap SRC,SPORT,SEQ,LEN
              the input direction from SRC:SPORT lacks LEN bytes at raw
              sequence number SEQ (a segment the capture missed). Both
              captures' streams of that direction are then reassembled
              here by sequence number (first copy wins) instead of by
              tshark (which gives up on data beyond a hole that is never
              filled, depending on the order of the frames): the hole is
              left out of the comparison and no value is found across it;
              any other byte absent from the output is "missing".
  --same-bytes-at-seq SRC,SPORT,SEQ,LEN
              (same-bytes) LEN bytes at raw sequence number SEQ of the
              direction from SRC:SPORT hold one value and the input
              carries them in at least two payloads, not all alike (a
              retransmission with other digits). Every output payload
              covering the range must carry the same bytes there (first
              copy wins), as many must cover it as in the input, and
              none may reveal the first copy (see leaked) or carry a
              byte of another copy where it differs from the first.

Prints one summary line starting with "check: PASS" or "check: FAIL", after
the problems found; exits 0 on PASS, 1 on FAIL, 2 on a usage or tool error.
--show prints one masked value of each kind as it appears in the OUTPUT
(with some context), never an input value.

Needs tshark; runs with any Python 3 (no scapy needed).
"""
import argparse
import re
import struct
import subprocess
import sys
from collections import defaultdict

KINDS = ('card', 'ssn', 'email')

RE_CARD = re.compile(rb'(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])')
RE_SSN = re.compile(rb'(?<![0-9])([0-9]{3})-([0-9]{2})-([0-9]{4})(?![0-9])')
RE_SSN_CTX = re.compile(
    rb'(?i)(?<![A-Za-z0-9])(?:ssn|social security|ss#)[A-Za-z0-9_]{0,16}'
    rb'[^0-9,;&]{0,32}?(?<![A-Za-z0-9])'
    rb'(?:([0-9]{3})([0-9]{2})([0-9]{4})|([0-9]{3}) ([0-9]{2}) ([0-9]{4}))(?![0-9])')
RE_EMAIL = re.compile(rb'(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{1,64})'
                      rb'@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24})'
                      rb'(?![A-Za-z])')


class ToolError(Exception):
    pass


# --- values ---------------------------------------------------------------

def luhn(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ch - 48
        if i & 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Card brands by issuer prefix (IIN) and length, from the networks'
# published ranges: (lowest prefix, highest prefix, lengths).
CARD_BRANDS = (
    ('4', '4', (13, 16, 19)),                       # Visa
    ('51', '55', (16,)), ('2221', '2720', (16,)),   # Mastercard
    ('34', '34', (15,)), ('37', '37', (15,)),       # American Express
    ('6011', '6011', range(16, 20)), ('644', '649', range(16, 20)),
    ('65', '65', range(16, 20)), ('622126', '622925', range(16, 20)),  # Discover
    ('3528', '3589', range(16, 20)),                # JCB
    ('300', '305', range(14, 20)), ('36', '36', range(14, 20)),
    ('38', '39', range(14, 20)),                    # Diners Club
    ('62', '62', range(16, 20)),                    # UnionPay
)


def card_brand(digits):
    """A Luhn-valid run is a card only with a brand's prefix and length
    (a dashed timestamp or a column of numbers is not)."""
    d = digits.decode()
    for lo, hi, lengths in CARD_BRANDS:
        if len(d) in lengths and lo <= d[:len(lo)] <= hi:
            return True
    return False


# Numbers the SSA published or that were used in advertising.
SSN_SAMPLES = {(b'078', b'05', b'1120'), (b'219', b'09', b'9999'), (b'457', b'55', b'5462')}


def ssn_valid(area, group, serial):
    if (area, group, serial) in SSN_SAMPLES:
        return False
    return not (area in (b'000', b'666') or area[:1] == b'9' or group == b'00' or serial == b'0000')


def find_values(buf, kinds):
    """[(kind, start, end)] of the values in buf, sorted by start."""
    out = []
    if 'card' in kinds:
        for m in RE_CARD.finditer(buf):
            d = bytes(c for c in m.group(0) if 48 <= c <= 57)
            if 13 <= len(d) <= 19 and luhn(d) and card_brand(d):
                out.append(('card', m.start(), m.end()))
    if 'ssn' in kinds:
        for m in RE_SSN.finditer(buf):
            if ssn_valid(*m.groups()):
                out.append(('ssn', m.start(), m.end()))
        for m in RE_SSN_CTX.finditer(buf):
            k = 1 if m.group(1) is not None else 4
            if ssn_valid(*m.group(k, k + 1, k + 2)):
                out.append(('ssn', m.start(k), m.end(k + 2)))
    if 'email' in kinds:
        for m in RE_EMAIL.finditer(buf):
            out.append(('email', m.start(), m.end()))
    out.sort(key=lambda v: v[1])
    return out


def normalise(kind, value):
    """What identifies a value: a card's or SSN's digits, an e-mail's
    local part (lower case)."""
    if kind == 'email':
        return (kind, value.split(b'@')[0].lower())
    return (kind, bytes(c for c in value if 48 <= c <= 57))


KEYED = False   # --keyed: token/fpe output, digits may match by chance


def keyed_leak(kind, orig, out):
    """Keyed operators (token, FF1) replace characters with keyed ones, a
    tenth of which equal the original by chance: the value leaks when the
    part that is not kept on purpose (a card's first 6 and last 4) comes
    out unchanged as a whole."""
    if kind == 'card':
        pos = [i for i, c in enumerate(orig) if 48 <= c <= 57][6:-4]
    elif kind == 'email':
        pos = [i for i, c in enumerate(orig.split(b'@')[0]) if chr(c).isalnum()]
    else:
        pos = [i for i, c in enumerate(orig) if chr(c).isalnum()]
    if pos and all(out[i] == orig[i] for i in pos):
        return 'unchanged by the keyed operator'
    return None


def leak_reason(kind, orig, out):
    """Why the output span still reveals the value, or None."""
    if len(out) != len(orig):
        return 'truncated'
    if KEYED:
        return keyed_leak(kind, orig, out)
    if kind == 'card':
        pos = [i for i, c in enumerate(orig) if 48 <= c <= 57]
        middle = pos[6:len(pos) - 4]
        kept = [i for i in middle if out[i] == orig[i]]
        if kept:
            return '%d of the %d middle digits in place' % (len(kept), len(middle))
    elif kind == 'ssn':
        digits = [i for i, c in enumerate(orig) if 48 <= c <= 57][:5]
        kept = [i for i in digits if out[i] == orig[i]]
        if kept:
            return '%d of the 5 area/group digits in place' % len(kept)
    else:
        local = orig.split(b'@')[0]
        if out[:len(local)] == local:
            return 'local part unchanged'
        alnum = [i for i, c in enumerate(local) if chr(c).isalnum()]
        kept = [i for i in alnum if out[i] == orig[i]]
        if alnum and 3 * len(kept) > len(alnum):
            return '%d of %d local-part characters in place' % (len(kept), len(alnum))
    return None


# --- tshark ---------------------------------------------------------------

def tshark(args):
    try:
        r = subprocess.run(['tshark', '-n'] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise ToolError('tshark not found (apt-get install tshark)')
    if r.returncode != 0:
        err = r.stderr.decode(errors='replace').strip().splitlines()
        raise ToolError('tshark %s failed: %s' % (' '.join(args[:2]), ' / '.join(err[-3:])))
    return r.stdout.decode(errors='replace')


BAD_STATUS = ('0', '4')     # tshark checksum status: 0 Bad, 4 Illegal


def frame_fields(pcap):
    """One pass with checksum validation on: [(frame number, TCP stream
    ids, checksum bad?, TCP payload bytes)] for every frame."""
    out = []
    text = tshark(['-r', pcap, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
                   '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|',
                   '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'ip.checksum.status',
                   '-e', 'tcp.checksum.status', '-e', 'udp.checksum.status', '-e', 'tcp.payload'])
    for line in text.splitlines():
        f = line.split('|')
        if len(f) != 6:
            raise ToolError('unexpected tshark line: %r' % line[:200])
        streams = [int(x) for x in f[1].split(',') if x]
        bad = any(x in BAD_STATUS for col in f[2:5] for x in col.split(','))
        payload = f[5].split(',')[-1].replace(':', '').strip()
        out.append((int(f[0]), streams, bad, bytes.fromhex(payload)))
    return out


def bad_frame_keys(pcap):
    """{frame number: header identity} of frames with a bad checksum; the
    identity leaves out payload and checksums, which masking changes."""
    fields = ['frame.len', 'ip.src', 'ip.id', 'ipv6.src', 'tcp.srcport',
              'tcp.seq_raw', 'udp.srcport']
    args = ['-r', pcap, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
            '-o', 'udp.check_checksum:TRUE', '-Y',
            'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || '
            'udp.checksum.status == "Bad"', '-T', 'fields', '-E', 'separator=|',
            '-e', 'frame.number']
    for f in fields:
        args += ['-e', f]
    keys = {}
    for line in tshark(args).splitlines():
        f = line.split('|')
        keys[int(f[0])] = tuple(f[1:])
    return keys


def bad_in_take(bad_in, key):
    """Remove one input frame with @key from @bad_in; True if there was one."""
    for num, k in bad_in.items():
        if k == key:
            del bad_in[num]
            return True
    return False


def frame_segments(pcap):
    """[(frame number, source address, source port, raw seq, SYN?, TCP
    payload)] for every TCP frame (the innermost header when tunnelled)."""
    out = []
    text = tshark(['-r', pcap, '-Y', 'tcp', '-T', 'fields', '-E', 'separator=|',
                   '-e', 'frame.number', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport',
                   '-e', 'tcp.seq_raw', '-e', 'tcp.flags.syn', '-e', 'tcp.payload'])
    for line in text.splitlines():
        f = line.split('|')
        if len(f) != 7:
            raise ToolError('unexpected tshark line: %r' % line[:200])
        src = (f[2] or f[1]).split(',')[-1]
        last = lambda col: col.split(',')[-1].strip()
        syn = last(f[5]) in ('1', 'True')
        payload = bytes.fromhex(last(f[6]).replace(':', ''))
        out.append((int(f[0]), src, int(last(f[3])), int(last(f[4])), syn, payload))
    return out


def seq_spec(text):
    """SRC,SPORT,SEQ,LEN -> (src, sport, seq, len)."""
    try:
        src, sport, seq, n = text.split(',')
        return (src, int(sport), int(seq) & 0xffffffff, int(n))
    except ValueError:
        raise argparse.ArgumentTypeError('want SRC,SPORT,SEQ,LEN, not %r' % text)


def rel(seq, base):
    """Offset of raw sequence number @seq from @base, signed (wraps at 2^32)."""
    d = (seq - base) & 0xffffffff
    return d - (1 << 32) if d >= 1 << 31 else d


def own_reassembly(segs, src, sport, base=None):
    """Reassemble the direction from src:sport by sequence number, the
    first copy of a byte winning. Returns (base, buf, have): base is the
    raw seq of stream offset 0 (SYN + 1, else the lowest seq seen, unless
    given); have[i] is 1 where a byte was seen."""
    mine = [(seq, syn, p) for _, s, sp, seq, syn, p in segs if s == src and sp == sport]
    if base is None:
        syns = [seq for seq, syn, _ in mine if syn]
        if syns:
            base = (syns[0] + 1) & 0xffffffff
        elif mine:
            first = mine[0][0]
            base = (first + min(rel(seq, first) for seq, _, p in mine if p)) & 0xffffffff \
                if any(p for _, _, p in mine) else first
        else:
            base = 0
    size = max([rel(seq, base) + len(p) for seq, _, p in mine if p] + [0])
    buf, have = bytearray(size), bytearray(size)
    for seq, _, p in mine:
        off = rel(seq, base)
        for i, c in enumerate(p):
            if 0 <= off + i < size and not have[off + i]:
                buf[off + i] = c
                have[off + i] = 1
    return base, bytes(buf), have


def holes(have):
    """[(start, end)] of the runs of 0 in @have."""
    out, i = [], 0
    while i < len(have):
        if have[i]:
            i += 1
            continue
        j = i
        while j < len(have) and not have[j]:
            j += 1
        out.append((i, j))
        i = j
    return out


def node_is(node, src, sport):
    return node in ('%s:%d' % (src, sport), '[%s]:%d' % (src, sport))


def ip_fragments(pcap):
    """(frames that are IP fragments (IPv4 MF or offset, or an IPv6
    Fragment header), datagrams they belong to (by addresses and id))."""
    text = tshark(['-r', pcap, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
                   '-Y', 'ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fraghdr',
                   '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'ip.dst',
                   '-e', 'ip.id', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'ipv6.fraghdr.ident'])
    lines = text.splitlines()
    return len(lines), len(set(lines))


def tcp_streams(pcap, frames):
    """{(node0, node1, n): [bytes node0->node1, bytes node1->node0]}, n
    numbering connections with the same endpoints in capture order.
    tshark's "follow" does the reassembly."""
    ids = sorted({sid for _, sids, _, _ in frames for sid in sids})
    found = {}
    for i in range(0, len(ids), 100):
        args = ['-r', pcap, '-q']
        for sid in ids[i:i + 100]:
            args += ['-z', 'follow,tcp,raw,%d' % sid]
        sid = nodes = None
        for line in tshark(args).splitlines():
            if line.startswith('Filter: tcp.stream eq '):
                sid, nodes = int(line.split()[-1]), [None, None]
                found[sid] = (nodes, [bytearray(), bytearray()])
            elif sid is None:
                continue
            elif line.startswith('Node 0: '):
                nodes[0] = line[8:].strip()
            elif line.startswith('Node 1: '):
                nodes[1] = line[8:].strip()
            elif line.startswith('====='):
                sid = None
            elif line.strip():
                side = 1 if line.startswith('\t') else 0
                found[sid][1][side] += bytes.fromhex(line.strip())
    out, seen = {}, defaultdict(int)
    for sid in sorted(found):
        nodes, data = found[sid]
        key = (nodes[0], nodes[1])
        out[key + (seen[key],)] = [bytes(data[0]), bytes(data[1])]
        seen[key] += 1
    return out


# --- raw frames -----------------------------------------------------------

def read_frames(path):
    """Frame bytes of a classic pcap file (either byte order, us or ns)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ToolError('%s: not a pcap file (%d bytes)' % (path, len(data)))
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        endian = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        endian = '>'
    else:
        raise ToolError('%s: not a classic pcap file (pcapng is not supported)' % path)
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + 'IIII', data[off:off + 16])[2]
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    if off != len(data):
        raise ToolError('%s: truncated pcap record at byte %d' % (path, off))
    return frames


# --- the check ------------------------------------------------------------

def printable(b):
    return ''.join(chr(c) if 32 <= c < 127 else '.' for c in b)


def covering(segs, src, sport, seq, n):
    """[(frame number, payload bytes at [seq, seq + n) or None where the
    frame does not cover that byte)] of the frames overlapping the range."""
    out = []
    for num, s, sp, fseq, _, p in segs:
        if (s, sp) != (src, sport) or not p:
            continue
        off = rel(seq, fseq)            # range start inside this payload
        if off + n <= 0 or off >= len(p):
            continue
        out.append((num, [p[off + i] if 0 <= off + i < len(p) else None for i in range(n)]))
    return out


def same_bytes(spec, segs_in, segs_out, kinds):
    """Problems of --same-bytes-at-seq @spec (see the module doc)."""
    src, sport, seq, n = spec
    where = '%s:%d seq %d+%d' % spec
    cin = covering(segs_in, src, sport, seq, n)
    full_in = [(num, bytes(b)) for num, b in cin if None not in b]
    if len(full_in) < 2 or len({b for _, b in full_in}) < 2:
        raise ToolError('--same-bytes-at-seq %s: the input must cover it with at least 2 '
                        'payloads that differ (%d found)' % (where, len(full_in)))
    first = full_in[0][1]
    vals = find_values(first, kinds)
    if len(vals) != 1 or vals[0][1:] != (0, n):
        raise ToolError('--same-bytes-at-seq %s: the first input copy is not one value' % where)
    kind = vals[0][0]
    others = [b for _, b in full_in[1:] if b != first]
    problems = []
    cout = covering(segs_out, src, sport, seq, n)
    full_out = [(num, bytes(b)) for num, b in cout if None not in b]
    if len(full_out) != len(full_in):
        problems.append('same-bytes: %s: %d output payloads cover the %s, %d in the input' % (
            where, len(full_out), kind, len(full_in)))
    for i in range(n):
        seen = {b[i] for _, b in cout if b[i] is not None}
        if len(seen) > 1:
            frames = [num for num, b in cout if b[i] is not None]
            problems.append('same-bytes: %s: output frames %s differ at byte %d of the %s' % (
                where, ' '.join(map(str, frames)), i, kind))
            break
    for num, b in full_out:
        why = leak_reason(kind, first, b)
        if why:
            problems.append('same-bytes: %s: output frame %d reveals the first copy: %s' % (
                where, num, why))
        for o in others:
            diff = [i for i in range(n) if o[i] != first[i] and b[i] == o[i]]
            why = leak_reason(kind, o, b)
            if diff or why:
                problems.append('same-bytes: %s: output frame %d carries %s of a later '
                                'copy' % (where, num, why or '%d byte(s)' % len(diff)))
    return problems


# Fill bytes of the configs' operators.
STALL_FILL = b'*x#'


def check(a):
    kinds = [k for k in a.kinds.split(',') if k]
    for k in kinds:
        if k not in KINDS:
            raise ToolError('unknown kind %r (known: %s)' % (k, ','.join(KINDS)))
    problems = []
    tot = dict(streams=0, values=0, leaked=0, missing=0, collateral=0, pktleak=0,
               badsum_inherited=0, logleak=0, stall_masked=0)
    stall_left = [a.stall_masked]
    per_kind = dict((k, 0) for k in kinds)
    shown = {}
    known = set()           # normalised input values
    raw = set()             # input values as they appeared

    fin, fout = read_frames(a.input), read_frames(a.output)
    tin, tout = frame_fields(a.input), frame_fields(a.output)
    sin, sout = tcp_streams(a.input, tin), tcp_streams(a.output, tout)
    segs_in = segs_out = None
    if a.gap or a.same_bytes_at_seq:
        segs_in, segs_out = frame_segments(a.input), frame_segments(a.output)
    skip = {}               # (stream key, direction) -> declared hole bytes
    for src, sport, seq, n in a.gap or []:
        where = [(key, d) for key in sin for d in (0, 1) if node_is(key[d], src, sport)]
        if len(where) != 1:
            raise ToolError('--gap %s:%d: %d input stream directions from there' % (
                src, sport, len(where)))
        key, d = where[0]
        if (key, d) in skip:
            raise ToolError('--gap %s:%d given twice' % (src, sport))
        base, ib, hin = own_reassembly(segs_in, src, sport)
        _, ob, hout = own_reassembly(segs_out, src, sport, base)
        declared = [(rel(s, base), rel(s, base) + m) for s2, p2, s, m in a.gap
                    if (s2, p2) == (src, sport)]
        if holes(hin) != sorted(declared):
            raise ToolError('--gap %s:%d: the input lacks %s (stream offsets), not the '
                            'declared %s' % (src, sport, holes(hin), sorted(declared)))
        lost = [h for h in holes(hout) if h not in declared] + \
            ([(len(ob), len(ib))] if len(ob) < len(ib) else [])
        if lost:
            problems.append('missing: %s:%d: output lacks stream bytes %s beyond the '
                            'declared gap(s)' % (src, sport, lost[:5]))
            tot['missing'] += 1
        # the hole as NUL in both, so no value is found across it
        ib = bytes(c if hin[i] else 0 for i, c in enumerate(ib))
        ob = bytes(c if i < len(hin) and hin[i] else 0 for i, c in enumerate(ob[:len(ib)]))
        sin[key] = list(sin[key])
        sin[key][d] = ib
        so = list(sout.get(key, [b'', b'']))
        so[d] = ob
        sout[key] = so
        skip[(key, d)] = sum(e - s for s, e in declared)
    for key, dirs in sorted(sin.items()):
        for d in (0, 1):
            ib = dirs[d]
            if not ib:
                continue
            tot['streams'] += 1
            name = '%s %s %s#%d' % (key[0] if d == 0 else key[1], '->',
                                    key[1] if d == 0 else key[0], key[2])
            ob = sout.get(key, [b'', b''])[d]
            if (key, d) in skip:
                pass            # compared above, by sequence number
            elif len(ob) != len(ib):
                tot['missing'] += 1
                problems.append('missing: %s: %d bytes in, %d out' % (name, len(ib), len(ob)))
            inside = bytearray(len(ib))
            for kind, s, e in find_values(ib, kinds):
                tot['values'] += 1
                per_kind[kind] += 1
                known.add(normalise(kind, ib[s:e]))
                raw.add(ib[s:e])
                inside[s:e] = b'\x01' * (e - s)
                if len(ob) < e:
                    continue          # counted as missing
                why = leak_reason(kind, ib[s:e], ob[s:e])
                if why:
                    tot['leaked'] += 1
                    problems.append('leaked: %s: %s at stream offset %d: %s' % (name, kind, s, why))
                elif kind not in shown:
                    shown[kind] = printable(ob[max(0, s - a.context):e + a.context])
            changed = [i for i in range(min(len(ib), len(ob))) if not inside[i] and ib[i] != ob[i]]
            # Bytes that might have begun a value, masked when a sender
            # paused and a hold timeout decided them (stream.hold_masked):
            # only a fill over what a value may be made of, and no more
            # of them than the appliance counted.
            stall = [i for i in changed if ob[i] in STALL_FILL and
                     (chr(ib[i]).isalnum() or chr(ib[i]) in '-_+=')]
            if stall and len(stall) <= stall_left[0]:
                stall_left[0] -= len(stall)
                tot['stall_masked'] += len(stall)
                changed = [i for i in changed if i not in set(stall)]
            if changed:
                tot['collateral'] += len(changed)
                i = changed[0]
                problems.append('collateral: %s: %d byte(s) changed outside values, first at '
                                'offset %d' % (name, len(changed), i))
    for key in sorted(set(sout) - set(sin)):
        if any(sout[key]):
            problems.append('extra: output stream %s <-> %s not in the input' % key[:2])
            tot['missing'] += 1

    # A value in one input payload may be absent from the reassembled
    # stream (a retransmission carrying other digits than the first
    # copy): it must not come out either.
    for _, _, _, payload in tin:
        for kind, s, e in find_values(payload, kinds):
            known.add(normalise(kind, payload[s:e]))
            raw.add(payload[s:e])
    for num, _, _, payload in tout:
        for kind, s, e in find_values(payload, kinds):
            if normalise(kind, payload[s:e]) not in known:
                continue        # a masked e-mail is still e-mail shaped
            tot['pktleak'] += 1
            problems.append('pktleak: output frame %d: a whole %s inside one TCP payload '
                            '(offset %d)' % (num, kind, s))

    tot['samebytes'] = 0
    for spec in a.same_bytes_at_seq or []:
        for p in same_bytes(spec, segs_in, segs_out, kinds):
            tot['samebytes'] += 1
            problems.append(p)

    if a.log:
        # The value as it appeared, or a card's or SSN's bare digits.
        text = open(a.log, 'rb').read()
        for v in raw:
            forms = {v}
            if b'@' not in v:
                forms.add(bytes(c for c in v if 48 <= c <= 57))
            if any(f in text for f in forms):
                tot['logleak'] += 1
                problems.append('logleak: an input value appears in %s' % a.log)

    # A frame whose checksum was already wrong in the input (captured
    # with checksum offload) keeps it wrong: the appliance updates
    # checksums incrementally and changes nothing else. Only checksums
    # that were right and came out wrong count.
    bad_in = bad_frame_keys(a.input)
    bad = []
    for num, key in bad_frame_keys(a.output).items():
        if bad_in_take(bad_in, key):
            tot['badsum_inherited'] += 1
        else:
            bad.append(num)
    tot['badsum'] = len(bad)
    if bad:
        problems.append('badsum: output frames %s' % ' '.join(map(str, bad[:20])))
    tot['frames_in'], tot['frames_out'] = len(fin), len(fout)
    if a.refragmented:
        # a datagram's fragments count as one frame, whatever their number
        nf_in, nd_in = ip_fragments(a.input)
        nf_out, nd_out = ip_fragments(a.output)
        if len(fin) - nf_in + nd_in != len(fout) - nf_out + nd_out:
            problems.append('frames: %d in, %d out, the fragments of a datagram counted once '
                            '(fragments: %d in, %d out)' % (len(fin) - nf_in + nd_in,
                                                           len(fout) - nf_out + nd_out,
                                                           nf_in, nf_out))
    elif len(fin) != len(fout):
        problems.append('frames: %d in, %d out' % (len(fin), len(fout)))

    if a.identical:
        diff = [i + 1 for i, (x, y) in enumerate(zip(fin, fout)) if x != y]
        tot['differ'] = len(diff) + abs(len(fin) - len(fout))
        if diff:
            same_set = sorted(fin) == sorted(fout)
            problems.append('identical: %d frame(s) differ, first #%d%s' % (
                len(diff), diff[0], ' (same frames, other order)' if same_set else ''))

    if a.expect_values is not None and tot['values'] != a.expect_values:
        problems.append('expect-values: the input holds %d values, expected %d' % (
            tot['values'], a.expect_values))
    if tot['streams'] == 0:
        problems.append('no TCP data found in the input')

    fail = bool(problems)
    for p in problems[:a.max_problems]:
        print('  ' + p)
    if len(problems) > a.max_problems:
        print('  ... %d more' % (len(problems) - a.max_problems))
    if a.show:
        for kind in kinds:
            if kind in shown:
                print('  output %-5s ...%s...' % (kind, shown[kind]))
    kinds_txt = " ".join("%s=%d" % kv for kv in per_kind.items()) or "no kinds"
    summary = ('streams=%d values=%d (%s) leaked=%d pktleak=%d collateral=%d missing=%d '
               'frames=%d/%d badsum=%d (inherited %d) logleak=%d' % (
                   tot['streams'], tot['values'], kinds_txt, tot['leaked'], tot['pktleak'],
                   tot['collateral'], tot['missing'], tot['frames_in'], tot['frames_out'],
                   tot['badsum'], tot['badsum_inherited'], tot['logleak']))
    if a.stall_masked:
        summary += ' stall_masked=%d (of %d counted)' % (tot['stall_masked'], a.stall_masked)
    if a.identical:
        summary += ' differ=%d' % tot['differ']
    if a.same_bytes_at_seq:
        summary += ' samebytes=%d' % tot['samebytes']
    if a.gap:
        summary += ' gaps=%d (%d bytes)' % (len(a.gap), sum(skip.values()))
    print('check: %s %s%s' % ('FAIL' if fail else 'PASS', a.label + ': ' if a.label else '', summary))
    return 1 if fail else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('input', help='capture given to wiremask')
    ap.add_argument('output', help='capture wiremask wrote')
    ap.add_argument('--kinds', default=','.join(KINDS),
                    help='value kinds the policy masks (default: %(default)s)')
    ap.add_argument('--refragmented', action='store_true',
                    help='IP fragments may leave as other fragments: count a '
                    "datagram's fragments as one frame")
    ap.add_argument('--stall-masked', type=int, default=0, metavar='N',
                    help='up to N bytes outside values may arrive as a fill '
                    'byte over a letter, digit or -_+= (a tail that might '
                    'have begun a value, masked when a hold timeout decided '
                    'it: pass wiremask\'s stream.hold_masked)')
    ap.add_argument('--identical', action='store_true',
                    help='the output must be byte-identical to the input, frame by frame')
    ap.add_argument('--expect-values', type=int, metavar='N',
                    help='the input must hold exactly N values')
    ap.add_argument('--gap', type=seq_spec, action='append', metavar='SRC,SPORT,SEQ,LEN',
                    help='the input lacks LEN bytes at raw seq SEQ from SRC:SPORT (repeatable)')
    ap.add_argument('--same-bytes-at-seq', type=seq_spec, action='append',
                    metavar='SRC,SPORT,SEQ,LEN',
                    help='every output payload covering this range carries the same, '
                    'masked first copy (repeatable)')
    ap.add_argument('--keyed', action='store_true',
                    help='values were tokenised or FF1-encrypted: a value leaks when its '
                         'masked part is unchanged as a whole')
    ap.add_argument('--log', metavar='FILE',
                    help="the run's own output (stdout/stderr): no input value may appear in it")
    ap.add_argument('--show', action='store_true',
                    help='print one masked value of each kind from the output')
    ap.add_argument('--context', type=int, default=12, help='bytes around a shown value')
    ap.add_argument('--label', default='', help='name printed in the summary line')
    ap.add_argument('--max-problems', type=int, default=20, help='problems listed')
    a = ap.parse_args()
    global KEYED
    KEYED = a.keyed
    try:
        return check(a)
    except (ToolError, OSError) as e:
        print('check: ERROR %s' % e)
        return 2


if __name__ == '__main__':
    sys.exit(main())
