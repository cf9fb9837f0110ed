#!/usr/bin/env bash
# Capture mode (wiremask --read/--write, what scripts/mask-pcap.sh runs)
# against the former path (mask-pcap.sh --net-pcap: wiremask-pcap's
# converted copies through net_pcap vdevs): the same exit status, the
# same counters and byte-identical outputs on the generated captures,
# the public corpus and captures of every link type (raw IP, Linux
# cooked, loopback, a 60 KB frame, a frame too long to carry), pcapng
# and nanosecond input; two workers give one worker's frames. Then what
# only capture mode does: OUT may be IN;
# IN cut short, of a link type not read or missing exits 2 and leaves
# OUT alone; a read error is no frame count that adds up.
#
# Environment (set by meson): WIREMASK, GEN, BUILD_DIR, SRC_DIR.
# Exit 0 pass, 1 fail, 77 skip (scapy or editcap missing).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC_DIR=${SRC_DIR:-$(cd "$here/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build/tests/e2e}
WIREMASK=${WIREMASK:-$SRC_DIR/build/app/wiremask}
GEN=${GEN:-$(dirname "$WIREMASK")/wiremask-gen}
PY=/usr/bin/python3
MASK=$SRC_DIR/scripts/mask-pcap.sh
work=$BUILD_DIR/out/capture_native
caps=$BUILD_DIR/captures
export WIREMASK

fail() {
	echo "FAIL capture_native: $*"
	exit 1
}

"$PY" -c 'import scapy.all' >/dev/null 2>&1 ||
	{ echo "SKIP capture_native: python3-scapy missing"; exit 77; }
command -v editcap >/dev/null 2>&1 ||
	{ echo "SKIP capture_native: editcap missing (apt-get install tshark)"; exit 77; }
[ -x "$WIREMASK" ] || fail "$WIREMASK not built"

rm -rf "$work"
mkdir -p "$work"
if [ ! -f "$caps/.stamp" ] || [ "$here/gen_captures.py" -nt "$caps/.stamp" ]; then
	mkdir -p "$caps"
	"$PY" "$here/gen_captures.py" "$caps" >"$caps/gen.log" ||
		{ cat "$caps/gen.log"; fail "gen_captures.py failed"; }
	touch "$caps/.stamp"
fi
"$PY" "$here/linktypes.py" gen "$work/lt" >/dev/null || fail "linktypes.py gen failed"
editcap -F pcapng "$caps/pause_keepalive.pcap" "$work/pause_keepalive.pcapng"
editcap -F nsecpcap "$work/lt/lt_sll.pcap" "$work/sll_ns.pcap"

# The counters both paths must agree on: all but reasm.retain_rested and
# stream.cold_rested, which count what the ageing sweep gave back while
# the workers polled on after the last frame (as many turns as the
# control lcore took to see the capture read: timing, in either path).
counters() {	# counters STATS
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["counters"]
c.pop("reasm.retain_rested"); c.pop("stream.cold_rested")
print(json.dumps(c, sort_keys=True)); print(json.dumps(d["masked"], sort_keys=True))' "$1"
}

# same IN CONFIG: both paths, one worker; status, counters and OUT equal.
same() {
	local in=$1 cfg=$2 name a b ra=0 rb=0
	name=$(basename "$in")
	a=$work/native-$name b=$work/netpcap-$name
	timeout -k 5 100 "$MASK" "$in" "$a.out" "$cfg" -- --stats-json "$a.json" \
		>"$a.log" 2>&1 || ra=$?
	timeout -k 5 100 "$MASK" --net-pcap "$in" "$b.out" "$cfg" -- --stats-json "$b.json" \
		>"$b.log" 2>&1 || rb=$?
	[ "$ra" -eq "$rb" ] || { tail -5 "$a.log" "$b.log"; fail "$name: exit $ra, --net-pcap $rb"; }
	[ "$(counters "$a.json")" = "$(counters "$b.json")" ] ||
		{ diff <(counters "$a.json") <(counters "$b.json") || true; fail "$name: counters differ"; }
	cmp "$a.out" "$b.out" || fail "$name: outputs differ"
	echo "  $name ($(basename "$cfg")): exit $ra, $(stat -c %s "$a.out") bytes, identical"
}

default=$SRC_DIR/configs/default.cfg
for c in one_segment split_1byte reversed overlap_different permanent_gap \
	pause_keepalive pause_split_25ms pause_1byte_4ms pause_idle_end \
	frag_ipv4 frag_ipv6 vxlan qinq ipv6 interleaved midstream rst; do
	same "$caps/$c.pcap" "$default"
done
same "$caps/pause_keepalive.pcap" "$SRC_DIR/configs/inline.cfg"
same "$caps/vxlan.pcap" "$SRC_DIR/configs/examples/segments.cfg"
for f in "$SRC_DIR"/tests/corpus/*.pcap; do
	same "$f" "$default"
done
for lt in ether raw raw12 raw14 ipv4 sll sll2 null loop jumbo oversize eth_max; do
	same "$work/lt/lt_$lt.pcap" "$default"
done
same "$work/pause_keepalive.pcapng" "$default"
same "$work/sll_ns.pcap" "$default"

# Two workers: one reads, hands the other its flows and waits for it
# rather than drop (port.ring_drop); the same frames as with one, in
# another order.
# All lcores on one CPU: the reader fills the owner's ring (8,192) while
# the owner waits for the CPU.
"$GEN" -o "$work/g.pcap" --seed 3 --packets 40000 --flows 400 --size 1500 \
	--density 2 >/dev/null || fail "wiremask-gen failed"
"$MASK" "$work/g.pcap" "$work/g-1w.pcap" >/dev/null 2>&1 ||
	fail "one worker: mask-pcap.sh failed"
"$MASK" --lcores 0@0,1@0,2@0 "$work/g.pcap" "$work/g-2w.pcap" -- \
	--stats-json "$work/g-2w.json" >"$work/g-2w.log" 2>&1 ||
	{ tail -5 "$work/g-2w.log"; fail "two workers: mask-pcap.sh failed"; }
"$PY" - "$work/g-2w.pcap" "$work/g-1w.pcap" "$work/g-2w.json" <<'EOF' ||
import collections, json, struct, sys
def frames(path):
    d = open(path, 'rb').read()
    o, n = 24, collections.Counter()
    while o < len(d):
        cl = struct.unpack('<I', d[o + 8:o + 12])[0]
        n[d[o:o + 16 + cl]] += 1
        o += 16 + cl
    return n
c = json.load(open(sys.argv[3]))['counters']
a, b = frames(sys.argv[1]), frames(sys.argv[2])
print('  two workers: %d frames, ring_drop %d, %s one worker\'s' % (
    sum(a.values()), c['port.ring_drop'], 'the same as' if a == b else 'NOT'))
sys.exit(a != b or c['port.ring_drop'] != 0)
EOF
	fail "two workers: frames differ from one worker's"

# OUT may be IN: IN is read to its end, then replaced.
cp "$caps/pause_keepalive.pcap" "$work/inplace.pcap"
"$MASK" "$work/inplace.pcap" "$work/inplace.pcap" >/dev/null 2>&1 ||
	fail "OUT = IN: mask-pcap.sh failed"
cmp "$work/inplace.pcap" "$work/native-pause_keepalive.pcap.out" ||
	fail "OUT = IN: not the output of IN"
echo "  OUT = IN: the masked capture"

# IN that cannot be read whole: exit 2, OUT not made (or left as it was).
expect2() {	# expect2 WHAT IN
	local rc=0
	echo keep >"$work/keep.pcap"
	"$MASK" "$2" "$work/keep.pcap" >"$work/bad.log" 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || { cat "$work/bad.log"; fail "$1: exit $rc, expected 2"; }
	[ "$(cat "$work/keep.pcap")" = keep ] || fail "$1: OUT was changed"
	! ls "$work"/keep.pcap.wiremask-* >/dev/null 2>&1 || fail "$1: a temporary file is left"
	echo "  $1: exit 2: $(grep -m1 -o -- '--read.*' "$work/bad.log" || head -n1 "$work/bad.log")"
}
head -c 1000 "$caps/bulk.pcap" >"$work/cut.pcap"
expect2 "IN cut short" "$work/cut.pcap"
"$PY" -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[20:24]=(147).to_bytes(4,"little")
open(sys.argv[2],"wb").write(d)' "$caps/one_segment.pcap" "$work/lt147.pcap"
expect2 "link type 147" "$work/lt147.pcap"
cp "$work/cut.pcap" "$work/missing.pcap"
chmod 000 "$work/missing.pcap"
if [ "$(id -u)" -ne 0 ]; then
	expect2 "IN unreadable" "$work/missing.pcap"
fi
echo "PASS capture_native"
