#!/usr/bin/env bash
# One end-to-end case: capture in -> wiremask (net_pcap vdevs) -> capture
# out, then the independent checker (check_masking.py, tshark reassembly)
# and the counters wiremask wrote with --stats-json.
#
# usage: run_case.sh CASE
#   CASE  a capture case of gen_captures.py (one_segment, split_2, ...),
#         interleaved_2workers (interleaved with 2 workers), pause_inline
#         (the pause_* captures with configs/inline.cfg), segments
#         (configs/examples/segments.cfg: policies by VLAN/VNI),
#         check_config, cli, or checker_selftest (the checker catches
#         hand-made leaks and passes a hand-made correct masking)
#
# Environment (set by meson; defaults for a manual run from the repo):
#   WIREMASK   the binary (default SRC_DIR/build/app/wiremask)
#   BUILD_DIR  where captures and outputs go (default SRC_DIR/build/tests/e2e)
#   SRC_DIR    the repository root
# Exit 0 pass, 1 fail, 77 skip (tshark or Debian's scapy missing).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC_DIR=${SRC_DIR:-$(cd "$here/../.." && pwd)}
# git keeps no file modes; the key loader refuses a group-readable key.
chmod 600 "$SRC_DIR/configs/examples/keys/demo.key" 2>/dev/null || true
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build/tests/e2e}
WIREMASK=${WIREMASK:-$SRC_DIR/build/app/wiremask}
PY=/usr/bin/python3
GEN=$here/gen_captures.py
CHECK=$here/check_masking.py
export WIREMASK

if [ $# -ne 1 ]; then
	sed -n '6,13p' "$0" >&2
	exit 2
fi
case_name=$1
work=$BUILD_DIR/out/$case_name
caps=$BUILD_DIR/captures

fail() {
	echo "FAIL $case_name: $*"
	exit 1
}

skip() {
	echo "SKIP $case_name: $*"
	exit 77
}

need_tools() {
	command -v tshark >/dev/null 2>&1 || skip "tshark not installed (apt-get install tshark)"
	[ -x "$PY" ] || skip "$PY not found"
	"$PY" -c 'import scapy.all' >/dev/null 2>&1 ||
		skip "scapy missing for $PY (apt-get install python3-scapy)"
}

need_wiremask() {
	[ -x "$WIREMASK" ] || fail "$WIREMASK not built"
}

# Captures are generated once per build dir, again when the generator changes.
captures() {
	local stamp=$caps/.stamp
	if [ ! -f "$stamp" ] || [ "$GEN" -nt "$stamp" ]; then
		mkdir -p "$caps"
		"$PY" "$GEN" "$caps" >"$caps/gen.log" || { cat "$caps/gen.log"; fail "generator failed"; }
		touch "$stamp"
	fi
}

# Checker options a case's manifest asks for, one word a line: --gap for
# a hole the capture never fills, --same-bytes-at-seq for a range sent
# twice with other bytes (first copy wins).
manifest_check_args() {	# manifest_check_args CASE
	"$PY" -c 'import json,sys; m=json.load(open(sys.argv[1]))
for opt, key in (("--gap", "gaps"), ("--same-bytes-at-seq", "same_bytes_at_seq")):
    for g in m.get(key, []):
        print(opt); print("%s,%d,%d,%d" % (g["src"], g["sport"], g["seq"], g["len"]))' "$caps/$1.json"
}

manifest() {	# manifest CASE KEY -> value
	"$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); v=m
for k in sys.argv[2].split("."): v=v[k]
print(str(v).lower() if isinstance(v, bool) else v)' "$caps/$1.json" "$2"
}

# Compare the counters wiremask wrote with what the generator put in.
# KINDS: the value kinds the config masks (the others must stay 0).
check_stats() {	# check_stats STATS_JSON CASE KINDS
	"$PY" - "$1" "$caps/$2.json" "$3" <<'EOF'
import json, sys
try:
    st = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    sys.exit('stats: cannot read %s: %s' % (sys.argv[1], e))
m = json.load(open(sys.argv[2]))
kinds = sys.argv[3].split(',')
c, masked, bad = st.get('counters', {}), st.get('masked', {}), []
for kind, n in sorted(m['values'].items()):
    want = n if kind in kinds else 0
    got = masked.get(kind)
    if got != want:
        bad.append('masked.%s=%s expected %d' % (kind, got, want))
# IP fragments leave as the appliance splits each judged datagram again
# (manifest "refragmented": other sizes, other counts): every other frame
# leaves one for one, and every datagram is reassembled.
want = {'port.rx': m['frames'], 'port.tx': m['frames']}
if m.get('refragmented'):
    want['port.tx'] = m['frames'] - m['fragments'] + c.get('frag.out', 0)
    for name, n in (('pkt.ip_frag', m['fragments']), ('frag.reassembled', m['datagrams'])):
        if c.get(name) != n:
            bad.append('%s=%s expected %d' % (name, c.get(name), n))
for name in ('port.rx', 'port.tx'):
    if c.get(name) != want[name]:
        bad.append('%s=%s expected %d' % (name, c.get(name), want[name]))
drops = dict((k, v) for k, v in c.items() if k.startswith('drop.') and v)
if drops:
    bad.append('drops %s' % json.dumps(drops))
# Bytes passed unjudged by a limit's "forward" policy (not the default).
unjudged = dict((k, c[k]) for k in ('pass.flow_table_full', 'pass.ooo_full', 'pass.memcap')
                if c.get(k))
if unjudged:
    bad.append('passed unjudged %s' % json.dumps(unjudged))
# A case with holes the capture never fills (manifest "gaps") must skip
# and count each of them (reasm.gap, reasm.gap_bytes); other cases may
# count reordering, retransmissions and holes.
gaps = m.get('gaps', [])
if gaps:
    want = {'reasm.gap': len(gaps), 'reasm.gap_bytes': sum(g['len'] for g in gaps)}
    if any(k in c for k in want):
        for k, n in want.items():
            if c.get(k) != n:
                bad.append('%s=%s expected %d' % (k, c.get(k), n))
    elif not any(v for k, v in c.items() if 'gap' in k):
        bad.append('no gap counter > 0 (%d hole(s) never filled)' % len(gaps))
# A match found after its first bytes were released (hold timeout) is a
# partial leak.
if c.get('mask.late_match'):
    bad.append('mask.late_match=%d (stream.hold_timeout=%s)' % (
        c['mask.late_match'], c.get('stream.hold_timeout')))
line = 'stats: masked %s port.rx=%s port.tx=%s' % (
    json.dumps(masked, sort_keys=True), c.get('port.rx'), c.get('port.tx'))
# what reassembly did (reorder, retransmissions, mid-stream pick-up, holes)
seen = dict((k, v) for k, v in sorted(c.items())
            if v and (k.startswith('reasm.') or 'gap' in k or k == 'stream.midstream'))
if seen:
    line += ' ' + ' '.join('%s=%s' % kv for kv in seen.items())
print(line + ('' if not bad else '  MISMATCH: ' + '; '.join(bad)))
sys.exit(1 if bad else 0)
EOF
}

# run_capture_case CAPTURE [CONFIG [KINDS [LCORES]]]
#   KINDS: value kinds CONFIG masks for this capture (default all three;
#          "" for none: the output must then be byte-identical)
run_capture_case() {
	local name=$1 config=${2:-$SRC_DIR/configs/default.cfg} kinds=${3-card,ssn,email}
	local lcores=() tag=$name
	[ -n "${4:-}" ] && lcores=(--lcores "$4")
	local in=$caps/$name.pcap
	[ -f "$in" ] || fail "no capture $in (unknown case?)"
	[ -n "${2:-}" ] && tag="$name with $(basename "$config")"
	local dir
	dir=$work/$name-$(basename "$config" .cfg)
	mkdir -p "$dir"
	local out=$dir/masked.pcap stats=$dir/stats.json
	rm -f "$out" "$stats"
	echo "case $tag: $(manifest "$name" description)"
	local rc=0
	timeout -k 5 100 "$SRC_DIR/scripts/mask-pcap.sh" "${lcores[@]}" "$in" "$out" "$config" \
		-- --stats-json "$stats" >"$dir/wiremask.log" 2>&1 || rc=$?
	sed 's/^/  wiremask: /' "$dir/wiremask.log"
	[ "$rc" -ne 124 ] || fail "wiremask did not exit within 100 s"
	[ "$rc" -eq 0 ] || fail "wiremask exited with status $rc"
	[ -f "$out" ] || fail "no output capture"

	local expect
	expect=$("$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))["values"]
print(sum(n for k, n in v.items() if k in sys.argv[2].split(",")))' "$caps/$name.json" "$kinds")
	local label=$case_name
	[ "$name" = "$case_name" ] || label="$case_name/$name"
	local args=(--label "$label" --kinds "$kinds" --expect-values "$expect") extra
	mapfile -t extra < <(manifest_check_args "$name")
	args+=("${extra[@]}")
	if [ "$expect" -eq 0 ] &&
		{ [ -z "$kinds" ] || [ "$(manifest "$name" identical)" = true ]; }; then
		args+=(--identical)
	fi
	# IP fragments may leave as other fragments (reassembled and split again).
	if "$PY" -c 'import json,sys; sys.exit(not json.load(open(sys.argv[1])).get("refragmented"))' \
		"$caps/$name.json"; then
		args+=(--refragmented)
	fi
	# Bytes masked at a stall (the tail that might have begun a value
	# when a hold timeout decided it) are collateral the appliance counts.
	local stall
	stall=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["counters"].get("stream.hold_masked", 0))' \
		"$stats" 2>/dev/null || echo 0)
	[ "$stall" -gt 0 ] && args+=(--stall-masked "$stall")
	local ok=0
	"$PY" "$CHECK" "${args[@]}" --log "$dir/wiremask.log" "$in" "$out" || ok=1
	check_stats "$stats" "$name" "$kinds" || ok=1
	[ "$ok" -eq 0 ] || fail "see above (input $in, output $out)"
}

case_check_config() {
	need_wiremask
	local cfg=$SRC_DIR/configs/default.cfg out rc n
	rc=0
	out=$("$WIREMASK" -- --check-config "$cfg" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" -eq 0 ] || fail "--check-config $cfg exited $rc"

	# An unknown setting on a known line.
	local bad=$work/unknown-key.cfg
	cp "$cfg" "$bad"
	echo 'no_such_setting = 5;' >>"$bad"
	n=$(wc -l <"$bad")
	rc=0
	out=$("$WIREMASK" -- --check-config "$bad" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" -ne 0 ] || fail "--check-config accepted an unknown setting"
	grep -qF "$bad:$n" <<<"$out" || fail "message does not name $bad:$n"

	# A value out of range, on the line of an existing setting.
	if n=$(grep -nE '^[[:space:]]*hold_timeout_us[[:space:]]*=' "$cfg" | head -1 | cut -d: -f1) &&
		[ -n "$n" ]; then
		bad=$work/out-of-range.cfg
		sed -E "${n}s/=[^;]*;/= 0;/" "$cfg" >"$bad"
		rc=0
		out=$("$WIREMASK" -- --check-config "$bad" 2>&1) || rc=$?
		printf '%s\n' "$out" | sed 's/^/  /'
		[ "$rc" -ne 0 ] || fail "--check-config accepted hold_timeout_us = 0"
		grep -qF "$bad:$n" <<<"$out" || fail "message does not name $bad:$n"
	fi

	# A syntax error.
	bad=$work/syntax.cfg
	{ cat "$cfg"; echo 'segments = {'; } >"$bad"
	rc=0
	out=$("$WIREMASK" -- --check-config "$bad" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" -ne 0 ] || fail "--check-config accepted a syntax error"
	[[ $out == *"$bad:"[0-9]* ]] || fail "syntax error message does not name $bad:LINE"
	echo "PASS $case_name"
}

case_cli() {
	need_wiremask
	local out rc=0
	out=$("$WIREMASK" -- --help 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" -eq 0 ] || fail "--help exited $rc"
	grep -q -- '--check-config' <<<"$out" || fail "--help does not mention --check-config"
	rc=0
	out=$("$WIREMASK" -- --version 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" -eq 0 ] || fail "--version exited $rc"
	grep -qE '[0-9]+\.[0-9]+\.[0-9]+' <<<"$out" || fail "--version prints no version"
	echo "PASS $case_name"
}

# The checker must fail hand-made bad outputs and pass a hand-made correct
# masking, or every other case could pass without meaning anything.
case_checker_selftest() {
	local c spoil want got errors=0
	for c in one_segment split_1byte vxlan_csum ipv6 interleaved no_pii; do
		"$PY" "$GEN" --mask-reference "$caps/$c.pcap" "$work/$c-{}.pcap" \
			none,leak,collateral,badsum,drop,reorder
		for spoil in none leak collateral badsum drop; do
			[ "$c" = no_pii ] && [ "$spoil" = leak ] && continue
			want=1
			[ "$spoil" = none ] && want=0
			got=0
			"$PY" "$CHECK" --label "$c/$spoil" --max-problems 3 "$caps/$c.pcap" \
				"$work/$c-$spoil.pcap" || got=$?
			if [ "$got" -ne "$want" ]; then
				echo "  ^ expected exit $want, got $got"
				errors=$((errors + 1))
			fi
		done
	done
	# Reassembly: a retransmission carrying other digits must leave as the
	# first copy (masked); a hole the capture never fills is left out of
	# the comparison, whatever order the frames come out in.
	local extra
	for c in overlap_different permanent_gap; do
		mapfile -t extra < <(manifest_check_args "$c")
		"$PY" "$GEN" --mask-reference "$caps/$c.pcap" "$work/$c-{}.pcap" \
			none,leak,drop,reorder,retrans_clear,retrans_own
		for spoil in none leak drop reorder retrans_clear retrans_own; do
			want=1
			case $spoil in none | reorder) want=0 ;; esac
			[ "$c" = permanent_gap ] && [ "${spoil#retrans_}" != "$spoil" ] && want=0
			got=0
			"$PY" "$CHECK" --label "$c/$spoil" --max-problems 3 "${extra[@]}" \
				"$caps/$c.pcap" "$work/$c-$spoil.pcap" || got=$?
			if [ "$got" -ne "$want" ]; then
				echo "  ^ expected exit $want, got $got"
				errors=$((errors + 1))
			fi
		done
	done
	# pktleak alone (no --same-bytes-at-seq) catches a retransmission
	# that carries its other digits in clear.
	got=0
	"$PY" "$CHECK" --label "overlap_different/retrans_clear, pktleak only" --max-problems 3 \
		"$caps/overlap_different.pcap" "$work/overlap_different-retrans_clear.pcap" || got=$?
	[ "$got" -eq 1 ] || { echo "  ^ expected exit 1, got $got"; errors=$((errors + 1)); }
	# Identity: a masked case copied unchanged must fail; no_pii passes
	# --identical unchanged and fails it with two frames swapped.
	got=0
	"$PY" "$CHECK" --label "one_segment/unmasked" --max-problems 3 \
		"$caps/one_segment.pcap" "$caps/one_segment.pcap" || got=$?
	[ "$got" -eq 1 ] || { echo "  ^ expected exit 1, got $got"; errors=$((errors + 1)); }
	got=0
	"$PY" "$CHECK" --label "no_pii/identical" --identical --expect-values 0 \
		"$caps/no_pii.pcap" "$caps/no_pii.pcap" || got=$?
	[ "$got" -eq 0 ] || { echo "  ^ expected exit 0, got $got"; errors=$((errors + 1)); }
	got=0
	"$PY" "$CHECK" --label "no_pii/reordered" --identical --max-problems 3 \
		"$caps/no_pii.pcap" "$work/no_pii-reorder.pcap" || got=$?
	[ "$got" -eq 1 ] || { echo "  ^ expected exit 1, got $got"; errors=$((errors + 1)); }
	got=0
	"$PY" "$CHECK" --label "one_segment/expect-values" --expect-values 4 --max-problems 3 \
		"$caps/one_segment.pcap" "$work/one_segment-none.pcap" || got=$?
	[ "$got" -eq 1 ] || { echo "  ^ expected exit 1, got $got"; errors=$((errors + 1)); }
	# --refragmented counts a datagram's fragments as one frame, but a
	# fragment gone is bytes missing, and values in clear still leak.
	"$PY" -c 'import sys; from scapy.all import rdpcap, wrpcap
p = list(rdpcap(sys.argv[1])); del p[4]; wrpcap(sys.argv[2], p)' \
		"$caps/frag_ipv4.pcap" "$work/frag_ipv4-drop.pcap"
	for spoil in none drop leak; do
		want=1 out=$caps/frag_ipv4.pcap kinds=
		[ "$spoil" = none ] && want=0
		[ "$spoil" = drop ] && out=$work/frag_ipv4-drop.pcap
		[ "$spoil" = leak ] && kinds=card,ssn,email
		got=0
		"$PY" "$CHECK" --label "frag_ipv4/$spoil" --refragmented --kinds "$kinds" \
			--max-problems 3 "$caps/frag_ipv4.pcap" "$out" || got=$?
		if [ "$got" -ne "$want" ]; then
			echo "  ^ expected exit $want, got $got"
			errors=$((errors + 1))
		fi
	done
	[ "$errors" -eq 0 ] || fail "$errors checker verdict(s) wrong"
	echo "PASS $case_name"
}

# The public captures of tests/corpus, each with its own verdict.
# mask_default IN OUT STEM: mask IN into OUT with configs/default.cfg,
# counters in STEM.json, wiremask's output in STEM.log (and shown).
mask_default() {
	local rc=0
	timeout -k 5 100 "$SRC_DIR/scripts/mask-pcap.sh" "$1" "$2" \
		"$SRC_DIR/configs/default.cfg" -- --stats-json "$3.json" \
		>"$3.log" 2>&1 || rc=$?
	sed 's/^/  wiremask: /' "$3.log"
	[ "$rc" -eq 0 ] || fail "$(basename "$3"): wiremask exited with status $rc"
}

case_proto_corpus() {
	local d=$work/proto_corpus c
	mkdir -p "$d"
	for c in sv-vxlan-ssh-aws-mirror zk-tls12-session \
		zk-smtp-attachment-example-com zk-http-pipelined-requests; do
		mask_default "$SRC_DIR/tests/corpus/$c.pcap" "$d/$c.pcap" "$d/$c"
	done
	"$PY" - "$SRC_DIR/tests/corpus" "$d" <<'EOF2' || fail "protocol stage verdicts"
import json, re, sys
from scapy.all import rdpcap, raw, TCP, Raw
src, out = sys.argv[1], sys.argv[2]
bad = 0
def verdict(ok, what):
    global bad
    print("  %s %s" % ("ok  " if ok else "FAIL", what))
    bad += not ok
def ctr(c):
    return json.load(open("%s/%s.json" % (out, c)))["counters"]
def frames(path):
    return [raw(p) for p in rdpcap(path)]
def payload(path):
    return b"".join(bytes(p[Raw].load) for p in rdpcap(path) if TCP in p and Raw in p)
for c, proto in (("sv-vxlan-ssh-aws-mirror", "ssh"), ("zk-tls12-session", "tls")):
    k = ctr(c)
    verdict(frames("%s/%s.pcap" % (src, c)) == frames("%s/%s.pcap" % (out, c)),
            "%s: every frame leaves as it came" % c)
    verdict(k.get("proto." + proto, 0) > 0 and k.get("mask.values", 0) == 0,
            "%s: identified as %s (%d directions), nothing masked" % (c, proto, k.get("proto." + proto, 0)))
k = ctr("sv-vxlan-ssh-aws-mirror")
verdict(k.get("mask.protected", 0) > 0,
        "ssh: KEXINIT names that look like e-mails counted, not masked (%d)" % k.get("mask.protected", 0))
c = "zk-smtp-attachment-example-com"
k, got, sent = ctr(c), payload("%s/%s.pcap" % (out, c)), payload("%s/%s.pcap" % (src, c))
env = re.findall(rb"(?i)(?:MAIL FROM|RCPT TO):[^\r\n]*", sent)
verdict(len(env) >= 2 and all(e in got for e in env),
        "smtp: the envelope arrives as sent (%d lines)" % len(env))
verdict(k.get("mask.protected", 0) >= 2 and k.get("mask.values", 0) > 0 and
        k.get("proto.message_end", 0) == 1,
        "smtp: envelope hits protected (%d), the message's own masked (%d), one message end" %
        (k.get("mask.protected", 0), k.get("mask.values", 0)))
c = "zk-http-pipelined-requests"
k, sent = ctr(c), payload("%s/%s.pcap" % (src, c))
reqs = len(re.findall(rb"(?:GET|POST|HEAD) [^ ]+ HTTP/1\.[01]\r\n", sent))
verdict(k.get("proto.http", 0) == 2 and k.get("proto.error", 0) == 0 and
        k.get("proto.message_end", 0) >= reqs > 0,
        "http: pipelined requests framed, %d requests, %d message ends, no parse error" %
        (reqs, k.get("proto.message_end", 0)))
sys.exit(1 if bad else 0)
EOF2
}

# run_op CAPTURE CONFIG DIR: mask CAPTURE with CONFIG into DIR/out.pcap.
run_op() {
	local in=$caps/$1.pcap dir=$3 rc=0
	mkdir -p "$dir"
	timeout -k 5 100 "$SRC_DIR/scripts/mask-pcap.sh" "$in" "$dir/out.pcap" "$2" \
		-- --stats-json "$dir/stats.json" >"$dir/wiremask.log" 2>&1 || rc=$?
	sed 's/^/  wiremask: /' "$dir/wiremask.log"
	[ "$rc" -eq 0 ] || fail "wiremask exited with status $rc ($2)"
}

# The keyed and non-masking operators (configs/examples, and variants).
case_operators() {
	local d=$work/operators key=$SRC_DIR/configs/examples/keys/demo.key cfg
	mkdir -p "$d"

	echo "fpe: FF1 on cards, SSNs, e-mails; every card decrypts back"
	run_op one_segment "$SRC_DIR/configs/examples/fpe.cfg" "$d/fpe"
	"$PY" "$CHECK" --keyed --log "$d/fpe/wiremask.log" --label fpe \
		"$caps/one_segment.pcap" "$d/fpe/out.pcap" || fail "fpe check"
	"$PY" - "$caps/one_segment.pcap" "$d/fpe/out.pcap" "${UNMASK:-$(dirname "$WIREMASK")/wiremask-unmask}" \
		"$key" <<'EOF2' || fail "fpe: a card does not decrypt to the original"
import re, subprocess, sys
from scapy.all import rdpcap, TCP, Raw
def cards(pcap):
    data = b''.join(bytes(p[Raw].load) for p in rdpcap(pcap) if TCP in p and Raw in p)
    return re.findall(rb'"card":"([0-9 -]+)"', data)
orig, masked = cards(sys.argv[1]), cards(sys.argv[2])
assert orig and len(orig) == len(masked), (len(orig), len(masked))
for o, m in zip(orig, masked):
    assert o != m, 'card unchanged'
    out = subprocess.run([sys.argv[3], '--key', sys.argv[4], '--tweak', 'default',
                          '--radix', '10', m.decode()], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == o.decode(), 'no round trip'
print('  %d card(s) decrypt to the original' % len(orig))
EOF2

	echo "token + event log: one JSON line per value, never a value"
	cfg=$d/token.cfg
	sed -e "s|\"keys/demo.key\"|\"$key\"|" \
	    -e "s|\"wiremask-events.jsonl\"|\"$d/events.jsonl\"|" \
		"$SRC_DIR/configs/examples/all-detectors.cfg" >"$cfg"
	rm -f "$d/events.jsonl"
	run_op two_directions "$cfg" "$d/token"
	"$PY" "$CHECK" --keyed --log "$d/events.jsonl" --label token \
		"$caps/two_directions.pcap" "$d/token/out.pcap" || fail "token check"
	"$PY" - "$d/events.jsonl" "$d/token/stats.json" <<'EOF2' || fail "event log"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
st = json.load(open(sys.argv[2]))['counters']
assert len(lines) == st['mask.values'] == st['event.written'] > 0, (len(lines), st['mask.values'])
assert st['event.lost'] == 0, st['event.lost']
for e in lines:
    for k in ('src', 'sport', 'dst', 'dport', 'segment', 'detector', 'operator', 'offset',
              'length', 'fingerprint'):
        assert k in e, k
    assert len(e['fingerprint']) == 16 and e['operator'] == 'token'
print('  %d events, keys and fingerprints present' % len(lines))
EOF2

	if [ -w /dev/full ]; then
		echo "event log that cannot be written: masking goes on, every line counted lost"
		sed -e "s|\"$d/events.jsonl\"|\"/dev/full\"|" "$cfg" >"$d/full.cfg"
		run_op two_directions "$d/full.cfg" "$d/full"
		"$PY" "$CHECK" --keyed --label event-full \
			"$caps/two_directions.pcap" "$d/full/out.pcap" || fail "masking with the log failing"
		grep -q "events.path: write failed" "$d/full/wiremask.log" || fail "log failure not said"
		"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]; sys.exit(not (c["event.lost"] == c["mask.values"] > 0 and c["event.written"] == 0))' \
			"$d/full/stats.json" || fail "lost event lines not counted"
	else
		echo "SKIP event log that cannot be written: /dev/full is not writable here"
	fi

	echo "alert: bytes pass as they are, every value counted and logged"
	cfg=$d/alert.cfg
	printf 'policies = { p = { card = { operator = "alert"; }; }; };\nsegments = { default = { policy = "p"; }; };\n' >"$cfg"
	run_op one_segment "$cfg" "$d/alert"
	"$PY" "$CHECK" --kinds "" --identical --label alert \
		"$caps/one_segment.pcap" "$d/alert/out.pcap" || fail "alert changed bytes"
	"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]; sys.exit(c["mask.alert"] < 1)' \
		"$d/alert/stats.json" || fail "alert not counted"

	echo "drop: the flow carrying a card is dropped from there on"
	cfg=$d/drop.cfg
	printf 'policies = { p = { card = { operator = "drop"; }; }; };\nsegments = { default = { policy = "p"; }; };\n' >"$cfg"
	run_op one_segment "$cfg" "$d/drop"
	"$PY" - "$caps/one_segment.pcap" "$d/drop/out.pcap" "$d/drop/stats.json" <<'EOF2' || fail "drop"
import json, re, sys
from scapy.all import rdpcap, TCP, Raw
def cards(pcap):
    data = b''.join(bytes(p[Raw].load) for p in rdpcap(pcap) if TCP in p and Raw in p)
    return re.findall(rb'"card":"([0-9 -]+)"', data)
assert cards(sys.argv[1]) and not cards(sys.argv[2]), 'a card left the appliance'
c = json.load(open(sys.argv[3]))['counters']
assert c['drop.policy'] >= 1, c
print('  no card out, drop.policy=%d' % c['drop.policy'])
EOF2
	echo "PASS $case_name"
}

# One port paired with itself (ports.pairs = ( [0, 0] ), one-VF mode as a
# VNF runs): a single net_pcap port reads the capture and everything
# leaves on that same port. Both directions of a connection arrive on one
# port and must still make one flow (flow.new = connections), be masked
# in both directions, and lose no frame.
case_one_port() {
	local cfg=$work/one_port.cfg run name workers lcores dir in out stats rc expect conns
	sed -E 's/^ports[[:space:]]*=[[:space:]]*\{/&\n\tpairs = ( [0, 0] );/' \
		"$SRC_DIR/configs/default.cfg" >"$cfg"
	grep -q 'pairs = ( \[0, 0\] );' "$cfg" || fail "could not set ports.pairs in $cfg"
	sed -E 's/^([[:space:]]*)workers[[:space:]]*=[^;]*;/\1workers = 2;/' "$cfg" >"$work/one_port-2.cfg"
	# CAPTURE:WORKERS; with 2 workers, one rx queue: flows handed over by hash
	for run in two_directions:1 interleaved:1 vlan:1 interleaved:2; do
		name=${run%:*} workers=${run#*:}
		lcores=0,1
		[ "$workers" = 2 ] && { lcores=0@0,1@1,2@1; cfg=$work/one_port-2.cfg; }
		grep -qE "^workers = $workers;" "$cfg" || [ "$workers" = 1 ] ||
			fail "could not set workers = $workers in $cfg"
		dir=$work/$name-$workers
		in=$caps/$name.pcap out=$dir/masked.pcap stats=$dir/stats.json
		mkdir -p "$dir"
		rm -f "$out" "$stats"
		case "$in$out" in *,*) fail "paths must not contain ','" ;; esac
		echo "case one_port/$name: $(manifest "$name" description), one port, $workers worker(s)"
		rc=0
		timeout -k 5 100 "$WIREMASK" --lcores "$lcores" --no-huge -m 512 --no-pci --no-shconf \
			--log-level=lib.eal:error \
			--vdev "net_pcap0,rx_pcap=$in,tx_pcap=$out" \
			-- -c "$cfg" --stats-json "$stats" >"$dir/wiremask.log" 2>&1 || rc=$?
		sed 's/^/  wiremask: /' "$dir/wiremask.log"
		[ "$rc" -eq 0 ] || fail "wiremask exited with status $rc"
		grep -q 'port 0 (net_pcap) -> port 0:' "$dir/wiremask.log" ||
			fail "port 0 is not paired with itself"
		expect=$("$PY" -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["values"].values()))' \
			"$caps/$name.json")
		"$PY" "$CHECK" --label "one_port/$name" --kinds card,ssn,email \
			--expect-values "$expect" --log "$dir/wiremask.log" "$in" "$out" ||
			fail "see above (input $in, output $out)"
		check_stats "$stats" "$name" card,ssn,email || fail "counters (see above)"
		conns=$("$PY" -c 'import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap, TCP
print(sum(1 for p in rdpcap(sys.argv[1]) if TCP in p and p[TCP].flags & 0x12 == 0x02))' "$in")
		"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]
n=int(sys.argv[2]); print("  flow.new=%d for %d connection(s)" % (c["flow.new"], n))
sys.exit(c["flow.new"] != n)' "$stats" "$conns" ||
			fail "both directions of a connection are not one flow"
	done
	echo "PASS $case_name"
}

# Captures of every link type mask-pcap.sh reads (tests/e2e/linktypes.py):
# OUT must be IN frame for frame (link type, link headers, timestamps,
# lengths) but for masked values and TCP checksums, and the frame counts
# must add up; the check must fail an output cut short, restamped or
# with a changed link header. run_lt NAME WANT_RC SPOILS
run_lt() {
	local name=$1 want=$2 spoils=$3 in=$work/lt/lt_$1.pcap out=$work/lt/out_$1.pcap rc=0 spoil got
	local kinds=card,ssn,email
	echo "case $case_name/$name"
	timeout -k 5 100 "$SRC_DIR/scripts/mask-pcap.sh" "$in" "$out" -- \
		--stats-json "$work/lt/stats_$name.json" >"$work/lt/$name.log" 2>&1 || rc=$?
	sed 's/^/  wiremask: /' "$work/lt/$name.log" | grep -v '^  wiremask:   ' || true
	[ "$rc" -eq "$want" ] || fail "$name: mask-pcap.sh exited $rc, expected $want"
	"$PY" "$here/linktypes.py" check "$in" "$out" || fail "$name: see above"
	if [ "$want" -eq 0 ]; then
		"$PY" "$CHECK" --label "$case_name/$name" --kinds "$kinds" "$in" "$out" ||
			fail "$name: check_masking.py (tshark) fails the output"
	else
		grep -q 'over 65,535 bytes were not carried' "$work/lt/$name.log" ||
			fail "$name: no clear error for the frame left out"
	fi
	for spoil in $spoils; do
		"$PY" "$here/linktypes.py" spoil "$out" "$work/lt/spoil.pcap" "$spoil"
		got=0
		"$PY" "$here/linktypes.py" check "$in" "$work/lt/spoil.pcap" >/dev/null || got=$?
		[ "$got" -eq 1 ] || fail "$name: the check passes an output spoiled by '$spoil'"
	done
}

case_linktypes() {
	rm -rf "$work/lt"
	"$PY" "$here/linktypes.py" gen "$work/lt" || fail "linktypes.py gen failed"
	for lt in ether raw raw12 raw14 ipv4 sll sll2 null loop; do
		run_lt "$lt" 0 "time hdr"
	done
	echo "PASS $case_name"
}

# A loopback capture (64 KB MTU) with a 60 KB frame carrying values: out
# whole. With a 70,000-byte frame too (or an Ethernet frame of 65,549):
# that one is left out, reported, exit 4, never cut; wiremask alone drops
# and counts it (drop.oversize); a frame count that does not add up is
# exit 3.
case_frame_oversize() {
	rm -rf "$work/lt"
	"$PY" "$here/linktypes.py" gen "$work/lt" || fail "linktypes.py gen failed"
	run_lt jumbo 0 "cut time hdr"
	"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]
sys.exit(c["drop.oversize"] != 0 or c["port.tx"] != c["port.rx"])' "$work/lt/stats_jumbo.json" ||
		fail "jumbo: frames dropped or counted oversize"
	run_lt oversize 4 "cut"
	run_lt eth_max 4 "time"
	# wiremask on its own net_pcap ports: the 65,549-byte frame of a
	# 65,535-byte IP packet is dropped and counted, no frame written cut
	local d=$work/lt/direct rc=0
	mkdir -p "$d"
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
		>"$d/empty.pcap"
	case "$d" in *,*) fail "paths must not contain ','" ;; esac
	timeout -k 5 100 "$WIREMASK" -l 0,1 --no-huge -m 512 --no-pci --no-shconf \
		--log-level=lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$work/lt/lt_eth_max.pcap,tx_pcap=$d/out0.pcap" \
		--vdev "net_pcap1,rx_pcap=$d/empty.pcap,tx_pcap=$d/out.pcap" \
		-- -c "$SRC_DIR/configs/default.cfg" --stats-json "$d/stats.json" \
		>"$d/wiremask.log" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { cat "$d/wiremask.log"; fail "direct: wiremask exited $rc"; }
	"$PY" - "$d/stats.json" "$d/out.pcap" "$here" <<'EOF2' || fail "direct: see above"
import json, sys
sys.path.insert(0, sys.argv[3])
from linktypes import read_pcap
c = json.load(open(sys.argv[1]))['counters']
_, _, frames = read_pcap(sys.argv[2])
cut = [i for i, f in enumerate(frames) if len(f[2]) != f[3]]
print('  direct: port.rx=%d port.tx=%d drop.oversize=%d, %d frame(s) written cut' % (
    c['port.rx'], c['port.tx'], c['drop.oversize'], len(cut)))
sys.exit(c['drop.oversize'] != 1 or c['port.tx'] != c['port.rx'] - 1 or
         len(frames) != c['port.tx'] or bool(cut))
EOF2
	# frames in must match the capture: a wiremask that reads one frame
	# fewer (here: one that says so in its counters) is caught. Capture
	# mode counts in the process (wm_capture_verdict: the oversize runs
	# above end there); the script counts for --net-pcap, checked here.
	local fake=$work/lt/fake-wiremask rc=0
	printf '#!/bin/sh\n"%s" "$@"; rc=$?\nfor a; do case $prev in --stats-json) sed -i "s/\\"port.rx\\": \\([0-9]*\\)/\\"port.rx\\": 1\\1/" "$a";; esac; prev=$a; done\nexit $rc\n' \
		"$WIREMASK" >"$fake"
	chmod +x "$fake"
	WIREMASK_PCAP=$(dirname "$WIREMASK")/wiremask-pcap WIREMASK=$fake \
		"$SRC_DIR/scripts/mask-pcap.sh" --net-pcap "$work/lt/lt_jumbo.pcap" \
		"$work/lt/fake.pcap" >"$work/lt/fake.log" 2>&1 || rc=$?
	sed 's/^/  fake: /' "$work/lt/fake.log" | grep 'mask-pcap' || true
	[ "$rc" -eq 3 ] || fail "a frame count that does not add up exits $rc, expected 3"
	grep -q 'holds 8 frames' "$work/lt/fake.log" || fail "no clear frame count message"
	echo "PASS $case_name"
}

mkdir -p "$work"
case $case_name in
linktypes)
	need_tools
	need_wiremask
	case_linktypes
	;;
frame_oversize)
	need_tools
	need_wiremask
	case_frame_oversize
	;;
operators)
	need_tools
	need_wiremask
	captures
	case_operators
	;;
check_config) case_check_config ;;
cli) case_cli ;;
checker_selftest)
	need_tools
	captures
	case_checker_selftest
	;;
interleaved_2workers)
	need_tools
	need_wiremask
	captures
	cfg=$work/workers2.cfg
	if grep -qE '^[[:space:]]*workers[[:space:]]*=' "$SRC_DIR/configs/default.cfg"; then
		sed -E 's/^([[:space:]]*)workers[[:space:]]*=[^;]*;/\1workers = 2;/' \
			"$SRC_DIR/configs/default.cfg" >"$cfg"
	else
		{ echo 'workers = 2;'; cat "$SRC_DIR/configs/default.cfg"; } >"$cfg"
	fi
	run_capture_case interleaved "$cfg" card,ssn,email 0@0,1@1,2@1
	echo "PASS $case_name"
	;;
one_port)
	need_tools
	need_wiremask
	captures
	case_one_port
	;;
pause_inline)
	# The inline appliance's shipped config on the same paused senders:
	# it must be as safe on them as the default one.
	need_tools
	need_wiremask
	captures
	for c in pause_keepalive pause_idle_end pause_split_25ms pause_1byte_4ms \
		pause_interleaved_6 pause_fin_value; do
		run_capture_case "$c" "$SRC_DIR/configs/inline.cfg"
	done
	echo "PASS $case_name"
	;;
proto_decoded)
	# Values behind encodings: a query string, a urlencoded form, JSON
	# escapes, chunk framing; whole segments and one byte at a time.
	need_tools
	need_wiremask
	d=$work/proto_decoded
	mkdir -p "$d"
	"$PY" "$here/proto_captures.py" gen "$d" || fail "generator failed"
	for c in decoded decoded_1byte; do
		mask_default "$d/$c.pcap" "$d/$c.out.pcap" "$d/$c"
		"$PY" "$here/proto_captures.py" check "$d/$c.pcap" "$d/$c.out.pcap" ||
			fail "$c: decoded values"
		"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]
sys.exit(not (c.get("mask.decoded", 0) >= 9 and c.get("mask.late_match", 0) == 0))' "$d/$c.json" ||
			fail "$c: counters (want mask.decoded >= 9, no late match)"
	done
	echo "PASS $case_name"
	;;
proto_kv)
	# Redis and MQTT, identified by content: values in bulk strings and
	# PUBLISH payloads masked, framing, topics and properties unchanged;
	# whole segments and one byte at a time (tests/e2e/kv_captures.py).
	need_tools
	need_wiremask
	d=$work/proto_kv
	mkdir -p "$d"
	"$PY" "$here/kv_captures.py" gen "$d" || fail "generator failed"
	for c in kv kv_1byte; do
		mask_default "$d/$c.pcap" "$d/$c.out.pcap" "$d/$c"
		"$PY" "$here/kv_captures.py" check "$d/$c.pcap" "$d/$c.out.pcap" ||
			fail "$c: Redis and MQTT"
		"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]
ok = (c.get("proto.redis", 0) == 2 and c.get("proto.mqtt", 0) == 2 and
      c.get("proto.error", 0) == 0 and c.get("mask.protected", 0) >= 4 and
      c.get("proto.message_end", 0) >= 14 and c.get("mask.late_match", 0) == 0)
print("  counters: proto.redis %d, proto.mqtt %d, proto.error %d, "
      "mask.protected %d, proto.message_end %d" % tuple(c.get(k, 0) for k in
      ("proto.redis", "proto.mqtt", "proto.error", "mask.protected",
       "proto.message_end")))
sys.exit(not ok)' "$d/$c.json" ||
			fail "$c: counters (want both sides of each identified, no parse error, topic and property hits protected)"
	done
	echo "PASS $case_name"
	;;
proto_corpus)
	# Public captures (tests/corpus, SOURCES.md) through the protocol
	# stage with configs/default.cfg: SSH and TLS leave byte for byte
	# (their hits counted as mask.protected), SMTP's envelope stays, HTTP
	# pipelining is framed without a parse error.
	need_tools
	need_wiremask
	case_proto_corpus
	echo "PASS $case_name"
	;;
segments)
	# configs/examples/segments.cfg: VLAN 100 (and 200) mask cards only,
	# VNI 5001 passes everything, the rest gets the default policy.
	need_tools
	need_wiremask
	captures
	seg=$SRC_DIR/configs/examples/segments.cfg
	[ -f "$seg" ] || skip "no $seg"
	run_capture_case vlan "$seg" card
	run_capture_case qinq "$seg" card
	run_capture_case vxlan "$seg" ""
	run_capture_case one_segment "$seg"
	echo "PASS $case_name"
	;;
*)
	need_tools
	need_wiremask
	captures
	run_capture_case "$case_name"
	echo "PASS $case_name"
	;;
esac
