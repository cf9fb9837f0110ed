#!/usr/bin/env bash
# Mutated captures through wiremask in capture mode: the e2e captures
# with header bytes flipped, frames truncated, absurd IP and TCP lengths
# (mutate_captures.py, fixed seeds), and shuffled with duplicates. For
# each: wiremask exits 0 within 100 s (no crash, no hang), and every
# frame is accounted for:
#   port.rx = frames in the capture, port.tx = frames written out;
#   frames that are not fragments: out (less frag.out) + counted drops
#     (drop.*, port.tx_drop, port.ring_drop, reasm.out_of_window,
#     reasm.after_fin) = in (a datagram reassembled from fragments may
#     add a drop);
#   fragments: with none reassembled, each timed out or dropped and
#     counted; else at least two per datagram reassembled.
#
# usage: run_mutated.sh   (meson test mutated_captures, suite e2e)
# Environment as run_case.sh (WIREMASK, BUILD_DIR, SRC_DIR); SEED
# changes the mutations (default 1). Exit 0 pass, 1 fail, 77 skip.
set -uo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC_DIR=${SRC_DIR:-$(cd "$here/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build/tests/e2e}
WIREMASK=${WIREMASK:-$SRC_DIR/build/app/wiremask}
SEED=${SEED:-1}
PY=/usr/bin/python3
export WIREMASK

[ -x "$WIREMASK" ] || { echo "FAIL: $WIREMASK not built"; exit 1; }
"$PY" -c 'import scapy.all' >/dev/null 2>&1 ||
	{ echo "SKIP: scapy missing for $PY (apt-get install python3-scapy)"; exit 77; }

work=$BUILD_DIR/mutated
src=$work/src
sources=(one_segment two_directions vlan qinq vxlan ipv6 interleaved
	split_1byte reversed frag_ipv4 frag_ipv6)
mkdir -p "$src"
if [ ! -f "$src/.stamp" ] || [ "$here/gen_captures.py" -nt "$src/.stamp" ]; then
	"$PY" "$here/gen_captures.py" "$src" "${sources[@]}" >"$src/gen.log" ||
		{ cat "$src/gen.log"; echo "FAIL: generator"; exit 1; }
	touch "$src/.stamp"
fi

fails=0 runs=0 i=0
for s in "${sources[@]}"; do
	i=$((i + 1))
	"$PY" "$here/mutate_captures.py" $((SEED * 1000 + i)) "$src/$s.pcap" \
		"$work/$s-headers.pcap" "$work/$s-order.pcap" | sed 's/^/  /'
	for v in headers order; do
		in=$work/$s-$v.pcap out=$work/$s-$v-out.pcap stats=$work/$s-$v.json
		rm -f "$out" "$stats"
		runs=$((runs + 1))
		rc=0
		timeout -k 5 100 "$SRC_DIR/scripts/mask-pcap.sh" "$in" "$out" \
			"$SRC_DIR/configs/default.cfg" -- --stats-json "$stats" \
			>"$work/$s-$v.log" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			case $rc in
			124 | 137) why="did not exit within 100 s" ;;
			*) why="exit status $rc" ;;
			esac
			tail -5 "$work/$s-$v.log" | sed 's/^/  wiremask: /'
			echo "FAIL $s-$v: wiremask $why (input $in)"
			fails=$((fails + 1))
			continue
		fi
		"$PY" - "$in" "$out" "$stats" "$s-$v" <<'PY' || fails=$((fails + 1))
import json, struct, sys

def count(path):
    d = open(path, 'rb').read()
    e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    off = n = 0
    off = 24
    while off + 16 <= len(d):
        off += 16 + struct.unpack(e + 'I', d[off + 8:off + 12])[0]
        n += 1
    return n

fin, fout = count(sys.argv[1]), count(sys.argv[2])
c = json.load(open(sys.argv[3]))['counters']
g = lambda k: c.get(k, 0)
frag_drop = sum(v for k, v in c.items() if k.startswith(('drop.frag', 'drop.ip_frag')))
drops = sum(v for k, v in c.items() if k.startswith('drop.')) - frag_drop
drops += g('port.tx_drop') + g('port.ring_drop')
# frames reassembly drops and counts under its own name
drops += g('reasm.out_of_window') + g('reasm.after_fin')
bad = []
if g('port.rx') != fin:
    bad.append('port.rx=%d, %d frames in' % (g('port.rx'), fin))
if g('port.tx') != fout:
    bad.append('port.tx=%d, %d frames out' % (g('port.tx'), fout))
whole_in = fin - g('pkt.ip_frag')
whole_out = fout - g('frag.out') + drops
if not whole_in <= whole_out <= whole_in + g('frag.reassembled'):
    bad.append('not fragments: %d in, %d out + %d counted drops' % (
        whole_in, fout - g('frag.out'), drops))
lost = g('frag.timeout') + frag_drop
if g('frag.reassembled') == 0 and lost != g('pkt.ip_frag'):
    bad.append('fragments: %d in, none reassembled, %d timed out or dropped' % (
        g('pkt.ip_frag'), lost))
if g('frag.reassembled') and g('pkt.ip_frag') - lost < 2 * g('frag.reassembled'):
    bad.append('fragments: %d in, %d timed out or dropped, %d datagrams' % (
        g('pkt.ip_frag'), lost, g('frag.reassembled')))
seen = ' '.join('%s=%d' % (k, v) for k, v in sorted(c.items())
                if v and k.startswith(('drop.', 'pkt.', 'frag.', 'pass.')) and k != 'pkt.tcp')
print('%s %s: in %d out %d %s' % ('FAIL' if bad else 'ok  ', sys.argv[4], fin, fout,
                                   '; '.join(bad) if bad else seen))
sys.exit(1 if bad else 0)
PY
	done
done
echo "$runs mutated captures, $fails failed"
[ "$fails" -eq 0 ]
