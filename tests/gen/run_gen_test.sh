#!/usr/bin/env bash
# Tests of wiremask-gen (suite "gen"): its CLI, determinism, the validity
# of what it writes and of its ground truth, and the proof that matters:
# wiremask, with every detector on, masks every value the truth lists and
# changes no other byte (check_truth.py, which must fail spoiled outputs).
#
# usage: run_gen_test.sh CASE
#   CASE  cli | determinism | capture | wiremask | checker_selftest | bench
#
# Environment (set by meson; defaults for a manual run from the repo):
#   GEN        wiremask-gen (default SRC_DIR/build/app/wiremask-gen)
#   WIREMASK   wiremask (default SRC_DIR/build/app/wiremask)
#   BENCH      wiremask-bench (default SRC_DIR/build/app/wiremask-bench)
#   BUILD_DIR  where captures and outputs go (default SRC_DIR/build/tests/gen)
#   SRC_DIR    the repository root
# Exit 0 pass, 1 fail, 77 skip (a tool missing: tshark for capture).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC_DIR=${SRC_DIR:-$(cd "$here/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build/tests/gen}
GEN=${GEN:-$SRC_DIR/build/app/wiremask-gen}
WIREMASK=${WIREMASK:-$SRC_DIR/build/app/wiremask}
BENCH=${BENCH:-$SRC_DIR/build/app/wiremask-bench}
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree

if [ $# -ne 1 ]; then
	sed -n '7,8p' "$0" >&2
	exit 2
fi
case_name=$1
work=$BUILD_DIR/$case_name
rm -rf "$work"
mkdir -p "$work"
export TMPDIR=$work # scripts/mask-pcap.sh makes its temporary files there

fail() {
	echo "FAIL $case_name: $*"
	exit 1
}

skip() {
	echo "SKIP $case_name: $*"
	exit 77
}

[ -x "$GEN" ] || fail "$GEN not built"
[ -x "$PY" ] || skip "$PY not found"

gen() {	# gen NAME ARGS...: NAME.pcap and NAME.jsonl in $work
	local name=$1
	shift
	"$GEN" -o "$work/$name.pcap" --truth "$work/$name.jsonl" "$@" >"$work/$name.log" ||
		{ cat "$work/$name.log"; fail "wiremask-gen $* exited $?"; }
	sed "s/^/  $name: /" "$work/$name.log"
}

case_cli() {
	local out rc opt
	out=$("$GEN" --help) || fail "--help exited $?"
	for opt in --output --truth --seed --packets --flows --requests --interleave --pool \
		--size --density --kinds --card-format --encap --vlan --cvlan --vni --ipv6 \
		--no-handshake --reorder --retransmit --one-byte --rate-gbps --start --cut Examples; do
		grep -q -- "$opt" <<<"$out" || fail "--help does not explain $opt"
	done
	"$GEN" --version | grep -qE '[0-9]+\.[0-9]+\.[0-9]+' || fail "--version"
	# Bad usage: exit 2 and a message naming the option.
	for bad in "" "-o $work/x.pcap --flows 0" "-o $work/x.pcap --flows 1000001" \
		"-o $work/x.pcap --size 65" "-o $work/x.pcap --density 21" \
		"-o $work/x.pcap --reorder 1.5" "-o $work/x.pcap --kinds card,phone" \
		"-o $work/x.pcap --encap gre" "-o $work/x.pcap --vlan 4095" \
		"-o $work/x.pcap --rate-gbps 0" "-o $work/x.pcap stray" "-o $work/x.pcap --cut"; do
		rc=0
		# shellcheck disable=SC2086
		out=$("$GEN" $bad 2>&1) || rc=$?
		[ "$rc" -eq 2 ] || fail "'wiremask-gen $bad' exited $rc, not 2"
		grep -q 'wiremask-gen' <<<"$out" || fail "'wiremask-gen $bad' gives no message"
	done
	rc=0
	"$GEN" -o /nonexistent/dir/x.pcap >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "an unwritable output exited $rc, not 1"
	# The summary line: counts, never a value.
	gen cli --flows 3 --requests 3 --density 5 --seed 4
	out=$(cat "$work/cli.log")
	for w in packets= bytes= flows=3 payload= card= ssn= email= iban= aws_access_key= jwt= \
		bearer= seconds=; do
		grep -q -- "$w" <<<"$out" || fail "summary lacks $w"
	done
	[ "$(wc -l <"$work/cli.log")" -eq 1 ] || fail "summary is not one line"
	# --cut: exactly the budget, flows left open (a budget alone closes
	# them, past it); a flow that never sent a packet is not counted.
	gen cut --packets 600 --cut --flows 200 --requests 1
	grep -q 'packets=600 ' "$work/cut.log" || fail "--cut did not stop at the budget"
	grep -qE 'flows=(1[0-9][0-9]|200) ' "$work/cut.log" || fail "--cut counts flows it never sent"
	gen nocut --packets 600 --flows 200 --requests 1
	grep -q 'packets=600 ' "$work/nocut.log" && fail "a budget alone should close its flows past it"
	"$PY" - "$work/cli.jsonl" "$work/cli.log" <<'EOF' || fail "a value reached stdout"
import json, sys
log = open(sys.argv[2]).read()
vals = [json.loads(l)['value'] for l in open(sys.argv[1])]
assert vals, 'no values generated'
leaked = [v for v in vals if v in log]
sys.exit(1 if leaked else 0)
EOF
	echo "PASS $case_name"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

case_determinism() {
	local args=(--flows 5 --requests 3 --reorder 0.2 --retransmit 0.1 --one-byte 0.2
		--density 3)
	local v
	for v in "" "--size 64 --encap qinq" "--size 1500 --encap vxlan -6 --no-handshake" \
		"--packets 3000 --flows 50 --interleave rr"; do
		# shellcheck disable=SC2086
		gen a "${args[@]}" $v --seed 42
		# shellcheck disable=SC2086
		gen b "${args[@]}" $v --seed 42
		# shellcheck disable=SC2086
		gen c "${args[@]}" $v --seed 43
		[ "$(sha "$work/a.pcap")" = "$(sha "$work/b.pcap")" ] ||
			fail "same seed, different capture ($v)"
		[ "$(sha "$work/a.jsonl")" = "$(sha "$work/b.jsonl")" ] ||
			fail "same seed, different truth ($v)"
		[ "$(sha "$work/a.pcap")" != "$(sha "$work/c.pcap")" ] ||
			fail "another seed, same capture ($v)"
		[ "$(sha "$work/a.jsonl")" != "$(sha "$work/c.jsonl")" ] ||
			fail "another seed, same truth ($v)"
		echo "  same seed: same bytes; another seed: other bytes (${v:-defaults})"
	done
	echo "PASS $case_name"
}

# check_capture.py on captures of every shape: frames, checksums, streams,
# ACKs, tshark, the truth against the streams and the detectors' rules,
# no value-like filler, the density asked for.
case_capture() {
	command -v tshark >/dev/null 2>&1 || skip "tshark not installed (apt-get install tshark)"
	local c=$here/check_capture.py bad=0 name d
	local -A cases=(
		[tiny_reorder]="--flows 4 --requests 3 --size 64 --reorder 0.15 --retransmit 0.1 --one-byte 0.25 --density 4"
		[imix_vlan]="--flows 6 --requests 3 --encap vlan --vlan 42 --retransmit 0.05 --density 2 --seed 2"
		[bulk_qinq]="--flows 4 --requests 2 --size 1500 --encap qinq --reorder 0.2 --density 2 --seed 3"
		[vxlan_v6]="--flows 4 --requests 3 --encap vxlan --vni 77 -6 --reorder 0.1 --density 4 --seed 4"
		[midstream]="--flows 4 --requests 3 --no-handshake --one-byte 0.5 --size 64 --density 4 --seed 5"
		[dense]="--flows 4 --requests 3 --density 10 --seed 6"
		[budget]="--packets 4000 --flows 40 --interleave rr --density 1 --seed 7"
		[cards_only]="--flows 4 --requests 3 --kinds card --card-format dash --density 5 --seed 8"
		[none]="--flows 4 --requests 3 --density 0 --seed 9"
	)
	for name in $(printf '%s\n' "${!cases[@]}" | sort); do
		# shellcheck disable=SC2086
		gen "$name" ${cases[$name]}
		d=$(sed -E 's/.*--density ([0-9.]+).*/\1/' <<<"${cases[$name]}")
		local kinds=card,ssn,email,iban,aws_access_key,jwt,bearer
		case $name in
		cards_only) kinds=card ;;
		none) kinds= ;;
		esac
		"$PY" "$c" --label "$name" --density "$d" --expect-kinds "$kinds" \
			"$work/$name.pcap" "$work/$name.jsonl" || bad=$((bad + 1))
	done
	# Classic pcap, microseconds, Ethernet: the global header, byte for byte.
	[ "$(od -An -tx1 -N24 "$work/none.pcap" | tr -d ' \n')" = \
		"d4c3b2a1020004000000000000000000ffff000001000000" ] || fail "pcap global header"
	[ "$bad" -eq 0 ] || fail "$bad capture(s) failed the check"
	# The checker itself: a capture with a bad checksum and a truth with a
	# wrong offset must fail.
	"$PY" "$here/spoil.py" badsum "$work/tiny_reorder.pcap" "$work/tiny_reorder.pcap" \
		"$work/tiny_reorder.jsonl" "$work/spoiled.pcap" >/dev/null
	if "$PY" "$c" --label spoiled_badsum "$work/spoiled.pcap" "$work/tiny_reorder.jsonl" \
		>"$work/spoiled.log"; then
		cat "$work/spoiled.log"
		fail "check_capture.py passed a bad checksum"
	fi
	sed 's/"offset":\([0-9]*\)/"offset":1\1/' "$work/tiny_reorder.jsonl" >"$work/wrong.jsonl"
	if "$PY" "$c" --no-tshark --label wrong_truth "$work/tiny_reorder.pcap" \
		"$work/wrong.jsonl" >"$work/wrong.log"; then
		cat "$work/wrong.log"
		fail "check_capture.py passed a wrong truth"
	fi
	echo "  check_capture.py fails a bad checksum and a wrong truth"
	echo "PASS $case_name"
}

# Mask IN with configs/examples/all-detectors.cfg (every detector, token
# operator), the demo key copied here with mode 600.
mask() {	# mask IN OUT [STATS]
	local cfg=$work/all-detectors.cfg key=$work/demo.key
	if [ ! -f "$cfg" ]; then
		cp "$SRC_DIR/configs/examples/keys/demo.key" "$key"
		chmod 600 "$key"
		sed -e "s|\"keys/demo.key\"|\"$key\"|" \
			-e "s|\"wiremask-events.jsonl\"|\"$work/events.jsonl\"|" \
			"$SRC_DIR/configs/examples/all-detectors.cfg" >"$cfg"
	fi
	local rc=0 extra=()
	[ -n "${3:-}" ] && extra=(-- --stats-json "$3")
	WIREMASK=$WIREMASK timeout -k 5 100 "$SRC_DIR/scripts/mask-pcap.sh" "$1" "$2" "$cfg" \
		"${extra[@]}" >"$2.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		sed 's/^/  wiremask: /' "$2.log"
		fail "wiremask exited $rc on $1"
	fi
}

need_wiremask() {
	[ -x "$WIREMASK" ] || fail "$WIREMASK not built"
}

# wiremask's counters of values masked per detector equal the truth's.
check_counts() {	# check_counts STATS TRUTH
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
masked = st.get('masked', {})
want = {}
for l in open(sys.argv[2]):
    d = json.loads(l)['detector']
    want[d] = want.get(d, 0) + 1
bad = ['%s: masked %s, truth %d' % (k, masked.get(k, 0), n) for k, n in sorted(want.items())
       if masked.get(k, 0) != n]
bad += ['%s: masked %d, not in the truth' % (k, n) for k, n in sorted(masked.items())
        if n and k not in want]
c = st.get('counters', {})
drops = dict((k, v) for k, v in c.items() if k.startswith('drop.') and v)
if drops:
    bad.append('drops %s' % drops)
if c.get('mask.late_match'):
    bad.append('mask.late_match=%d' % c['mask.late_match'])
print('  counters: masked %s%s' % (json.dumps(masked, sort_keys=True),
                                   '' if not bad else '  MISMATCH: ' + '; '.join(bad)))
sys.exit(1 if bad else 0)
EOF
}

case_wiremask() {
	need_wiremask
	local name bad=0
	local -A cases=(
		[tiny_reorder]="--flows 4 --requests 3 --size 64 --reorder 0.15 --retransmit 0.1 --one-byte 0.25 --density 4"
		[imix_vlan]="--flows 6 --requests 3 --encap vlan --vlan 42 --retransmit 0.05 --density 3 --seed 2"
		[bulk_qinq]="--flows 4 --requests 2 --size 1500 --encap qinq --reorder 0.2 --density 2 --seed 3"
		[vxlan]="--flows 4 --requests 3 --encap vxlan --reorder 0.1 --density 4 --seed 4"
		[ipv6_midstream]="--flows 4 --requests 3 -6 --no-handshake --one-byte 0.3 --size 64 --density 4 --seed 5"
		[dense]="--flows 6 --requests 3 --density 10 --seed 6"
		[none]="--flows 4 --requests 3 --density 0 --seed 9"
	)
	for name in $(printf '%s\n' "${!cases[@]}" | sort); do
		# shellcheck disable=SC2086
		gen "$name" ${cases[$name]}
		mask "$work/$name.pcap" "$work/$name-out.pcap" "$work/$name-stats.json"
		"$PY" "$here/check_truth.py" --label "$name" "$work/$name.pcap" \
			"$work/$name-out.pcap" "$work/$name.jsonl" || bad=$((bad + 1))
		check_counts "$work/$name-stats.json" "$work/$name.jsonl" || bad=$((bad + 1))
	done
	[ "$bad" -eq 0 ] || fail "$bad check(s) failed"
	echo "PASS $case_name"
}

# check_truth.py must fail a value left in clear (the unmasked input
# itself, one value, half a value, one retransmitted copy), a changed
# byte outside the values, a bad checksum and a lost frame, and pass
# wiremask's real output.
case_checker_selftest() {
	need_wiremask
	local c=$here/check_truth.py mode got errors=0
	gen self --flows 4 --requests 3 --size 64 --retransmit 0.3 --density 4 --seed 11
	mask "$work/self.pcap" "$work/self-out.pcap"
	"$PY" "$c" --label "self/real output" "$work/self.pcap" "$work/self-out.pcap" \
		"$work/self.jsonl" || { echo "  ^ expected PASS"; errors=$((errors + 1)); }
	got=0
	"$PY" "$c" --label "self/input as output" --max-problems 3 "$work/self.pcap" \
		"$work/self.pcap" "$work/self.jsonl" || got=$?
	[ "$got" -eq 1 ] || { echo "  ^ expected FAIL (exit 1), got $got"; errors=$((errors + 1)); }
	for mode in leak prefix last-copy collateral badsum drop; do
		"$PY" "$here/spoil.py" "$mode" "$work/self.pcap" "$work/self-out.pcap" \
			"$work/self.jsonl" "$work/self-$mode.pcap" ||
			{ echo "  ^ spoil $mode failed"; errors=$((errors + 1)); continue; }
		got=0
		"$PY" "$c" --label "self/$mode" --max-problems 3 "$work/self.pcap" \
			"$work/self-$mode.pcap" "$work/self.jsonl" || got=$?
		[ "$got" -eq 1 ] || { echo "  ^ expected FAIL (exit 1), got $got"; errors=$((errors + 1)); }
	done
	[ "$errors" -eq 0 ] || fail "$errors self-test(s) went the wrong way"
	echo "PASS $case_name"
}

# wiremask-bench on a small capture reports what scripts/bench.sh keeps
# (BENCHMARKS.md, issue 14's keys), every byte of an idle flow in its
# parts, and a full path that masked every value of the policy's kinds.
case_bench() {
	[ -x "$BENCH" ] || fail "$BENCH not built"
	gen b --seed 1 --packets 2000 --flows 20 --size 1500 --density 2
	"$BENCH" -l 0 --no-huge -m 512 --no-pci --no-shconf --log-level=error -- \
		-r "$work/b.pcap" -c "$SRC_DIR/configs/default.cfg" --workers 1 \
		--passes 1 --json >"$work/bench.out" 2>&1 ||
		{ tail -20 "$work/bench.out"; fail "wiremask-bench exited $?"; }
	tail -n 1 "$work/bench.out" >"$work/bench.json"
	"$PY" - "$work/bench.json" "$work/b.jsonl" <<'EOF' || fail "the bench's report"
import json, sys
r = json.load(open(sys.argv[1]))
bad = []
keys = ['full_gbps', 'full_mpps', 'hs_ceiling_gbps', 'ratio_hs',
        'io_ceiling_mpps', 'ack_mpps', 'idle_flow_bytes', 'idle_flow',
        'hs_state_bytes_per_flow', 'state_bytes_per_flow', 'held_share',
        'notheld_p99_us', 'paced_notheld_p99_us', 'paced_held_share',
        'paced_floor_p99_us', 'values_masked', 'dropped', 'runs']
bad += ['no key %s' % k for k in keys if k not in r]
if not bad:
    for k in ('full_gbps', 'hs_ceiling_gbps', 'ack_mpps', 'io_ceiling_mpps'):
        if not r[k] > 0:
            bad.append('%s = %r' % (k, r[k]))
    if abs(r['ratio_hs'] - r['full_gbps'] / r['hs_ceiling_gbps']) > 0.01:
        bad.append('ratio_hs %r is not full / ceiling' % r['ratio_hs'])
    parts = r['idle_flow']
    if abs(sum(parts.values()) - r['idle_flow_bytes']) > 1:
        bad.append('idle flow %r is not the sum of %r' %
                   (r['idle_flow_bytes'], parts))
    if parts.get('retained', 1) != 0 or parts.get('held', 1) != 0:
        bad.append('an idle flow keeps retained or held bytes: %r' % parts)
    if abs(parts.get('hs', 0) - r['hs_state_bytes_per_flow']) > 1:
        bad.append('idle hs %r, hs_state_bytes_per_flow %r' %
                   (parts.get('hs'), r['hs_state_bytes_per_flow']))
    # configs/default.cfg masks cards, SSNs and e-mail addresses
    want = sum(1 for l in open(sys.argv[2])
               if json.loads(l)['detector'] in ('card', 'ssn', 'email'))
    if r['values_masked'] != want or r['dropped'] != 0:
        bad.append('masked %d values (truth %d), dropped %d' %
                   (r['values_masked'], want, r['dropped']))
for b in bad:
    print('  ' + b)
sys.exit(1 if bad else 0)
EOF
	echo "ok $case_name: the keys bench.sh keeps, an idle flow in its parts, every value masked"
}

case $case_name in
bench) case_bench ;;
cli) case_cli ;;
determinism) case_determinism ;;
capture) case_capture ;;
wiremask) case_wiremask ;;
checker_selftest) case_checker_selftest ;;
*) fail "unknown case" ;;
esac
