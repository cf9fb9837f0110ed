#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Kafka produce throughput through wiremask vs without it, and the hold
# of the packet carrying each batch's CRC32C. A benchmark, not a test:
# not in 'meson test'. See usage() and BENCHMARKS.md ("Kafka: produce
# throughput and the CRC hold").
set -uo pipefail

RECORDS=20000
SIZE=200
ROUNDS=3
BATCHES=1,16,256
LINGER=20
RING=4096
IDLE=1
QUICK=0
CAPTURE=1
METRICS_PORT=9471

usage() {
	cat <<EOF
usage: $(basename "$0") [options]

kcat (librdkafka) produces N records of about ${SIZE} B, each with a card,
an SSN and an e-mail address, uncompressed (compression.codec=none), to
tests/netns/kafka_broker.py (one partition; it checks every batch's
CRC32C as Kafka's broker does), between two network namespaces, over
two paths side by side in one run:

  cli 10.99.1.1 c1 == p0 [wiremask] p1 == s1 10.99.1.2 srv   (through it)
  cli 10.99.3.1 d1 ======================== d2 10.99.3.2 srv (without it)

"without it" is the same two namespaces joined directly by a veth pair
(not wiremask with a policy that masks nothing): offloads off on every
veth end of both paths (wiremask's net_af_packet ports need it; the
direct pair gets the same, so both carry the same 1500-byte frames).
Each batch size, each round: one run each way, the order swapped every
round, a fresh broker for every run, a fresh wiremask
(configs/examples/netns.cfg, one worker) for every run through it.
With --idle (the default) a third run goes over the direct pair while
that wiremask runs, idle, on the other path: what its busy-polling
worker alone takes from the producer and the broker on this machine.

Batch size: librdkafka batch.num.messages = B, linger.ms = ${LINGER}
(0 for B = 1); kcat reads the records from a file as fast as it can,
so batches fill up to B. The records per batch wiremask saw are
reported (records / kafka.batches).

Held time: through wiremask, the packet that carries a batch's CRC
waits until the batch's last byte is judged (kafka.crc_pinned), then
the CRC is rewritten (kafka.crc_fixed) and it leaves. Its wait is in
wiremask's held-time histogram (--stats-json held_us p50/p99/max;
/metrics wiremask_held_seconds count and sum, scraped before it stops),
together with hold-back holds (stream.held, reported next to it): the
packets whose tail may begin a value, held for the next bytes, as in
any protocol. To tell the CRC's hold apart, after the timed rounds one
more run per batch size goes through wiremask with dumpcap on the
client's and the server's veth ends (untimed: the captures cost CPU):
for every batch, the time its CRC's packet reached the server minus
the time the client sent it, next to the time the client took to send
the batch (that packet to the batch's last byte: the least the CRC can
wait) and the transit of every other data packet.

options:
  --records N     records a run (default ${RECORDS})
  --size B        bytes of a record's value (default ${SIZE})
  --rounds N      rounds (default ${ROUNDS})
  --batches LIST  records per batch asked, comma-separated (default ${BATCHES})
  --linger MS     linger.ms for batches > 1 (default ${LINGER})
  --no-idle       no run over the direct pair with wiremask idle
  --no-capture    no capture runs (see below)
  --quick         a self-check: --records 2000 --rounds 1 --batches 1,64
                  --no-idle --no-capture; exit 0 only if every record was stored and
                  wiremask rewrote CRCs, none bad
  --workdir DIR   keep runs, logs and counters there (default: a new
                  temporary directory, removed after a clean run)
  --keep          keep the work directory
  --ring N        frames per net_af_packet ring (default ${RING})
  -h, --help      this text

Environment: WIREMASK (default build/app/wiremask), CONFIG (default
configs/examples/netns.cfg).

Prints the tables (markdown) and, last, one JSON line. Needs root,
iproute2, veth, ethtool, kcat, curl, /usr/bin/python3; dumpcap (tshark
package) for the capture runs (without it they are left out). Exit status: 0 every
run stored every record, 1 some run did not, 2 usage or set-up error,
77 cannot run here (the reason is printed).
EOF
}

workdir=
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--records) RECORDS=${2:?}; shift 2 ;;
	--size) SIZE=${2:?}; shift 2 ;;
	--rounds) ROUNDS=${2:?}; shift 2 ;;
	--batches) BATCHES=${2:?}; shift 2 ;;
	--linger) LINGER=${2:?}; shift 2 ;;
	--no-idle) IDLE=0; shift ;;
	--no-capture) CAPTURE=0; shift ;;
	--quick) QUICK=1; RECORDS=2000; ROUNDS=1; BATCHES=1,64; IDLE=0; CAPTURE=0; shift ;;
	--workdir) workdir=${2:?}; shift 2 ;;
	--keep) keep=1; shift ;;
	--ring) RING=${2:?}; shift 2 ;;
	*) echo "$(basename "$0"): unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
WIREMASK=${WIREMASK:-$root/build/app/wiremask}
CONFIG=${CONFIG:-$root/configs/examples/netns.cfg}
PY=/usr/bin/python3
HELP=$root/scripts/bench_kafka.py
BROKER=$root/tests/netns/kafka_broker.py
NS=wmkb$$
NS_CLI=$NS-cli NS_WM=$NS-wm NS_SRV=$NS-srv
ME=$(basename "$0")

skip() {
	echo "SKIP: $*"
	exit 77
}

die() {
	echo "$ME: $*" >&2
	exit 2
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, veth pairs, AF_PACKET sockets)"
for tool in ip ethtool kcat curl; do
	command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found (scripts/deps.sh installs it)"
done
[ -x "$PY" ] || skip "$PY not found"
if ! ip netns add "$NS-probe" 2>/dev/null; then
	skip "'ip netns add' failed: no network namespaces here"
fi
if ! ip -n "$NS-probe" link add probe0 type veth peer name probe1 2>/dev/null; then
	ip netns del "$NS-probe" 2>/dev/null
	skip "cannot create a veth pair"
fi
ip netns del "$NS-probe"
[ -x "$WIREMASK" ] || die "$WIREMASK not found: build it first or set WIREMASK"
"$WIREMASK" -- --check-config "$CONFIG" >/dev/null || die "$CONFIG is not a valid configuration"

if [ -z "$workdir" ]; then
	workdir=$(mktemp -d "${TMPDIR:-/tmp}/wiremask-kbench.XXXXXX") || exit 2
	auto_workdir=1
else
	auto_workdir=0
	mkdir -p "$workdir" || exit 2
	[ -z "$(ls -A "$workdir")" ] || [ -e "$workdir/.bench-kafka" ] ||
		die "--workdir $workdir: not empty and not a work directory of this script"
	find "$workdir" -mindepth 1 -delete
fi
W=$(cd "$workdir" && pwd)
: >"$W/.bench-kafka"
finished=0
status=2

declare -A procs=()

# start NS NAME LOG CMD...: CMD in NS in the background (ip netns exec
# execs it: $! is the program's pid), left in last_pid.
start() {
	local ns=$1 name=$2 log=$3
	shift 3
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	last_pid=$!
	procs[$last_pid]=$name
}

stop_pid() {
	local pid=$1 grace=${2:-10} i rc=0
	[ -n "${procs[$pid]+x}" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < grace * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rc=124
	else
		wait "$pid" 2>/dev/null
		rc=$?
	fi
	unset "procs[$pid]"
	return $rc
}

# cpu_s PID: user + system CPU seconds the process has used so far.
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}

cleanup() {
	local pid ns
	trap - EXIT INT TERM
	for pid in "${!procs[@]}"; do
		stop_pid "$pid" 3
	done
	for ns in "$NS_CLI" "$NS_WM" "$NS_SRV"; do
		pid=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$pid" ] || kill -KILL $pid 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$keep" -eq 0 ] && [ "$auto_workdir" -eq 1 ] && [ "$finished" -eq 1 ] &&
		[ "$status" -eq 0 ]; then
		rm -rf "$W"
	else
		echo "# work directory (runs, logs, counters): $W"
	fi
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 130' INT
trap 'echo "# terminated"; exit 143' TERM

offloads_off() {
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1
	if ip netns exec "$1" ethtool -k "$2" | grep -Eq \
		'^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): on'; then
		echo "$ME: $1/$2: cannot turn its offloads off" >&2
		return 1
	fi
}

veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" &&
		offloads_off "$1" "$2" && offloads_off "$3" "$4" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

setup() {
	local ns
	for ns in "$NS_CLI" "$NS_WM" "$NS_SRV"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
			echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null
	done
	veth "$NS_CLI" c1 "$NS_WM" p0 &&
		veth "$NS_WM" p1 "$NS_SRV" s1 &&
		veth "$NS_CLI" d1 "$NS_SRV" d2 || return 1
	ip -n "$NS_CLI" addr add 10.99.1.1/24 dev c1 &&
		ip -n "$NS_SRV" addr add 10.99.1.2/24 dev s1 &&
		ip -n "$NS_CLI" addr add 10.99.3.1/24 dev d1 &&
		ip -n "$NS_SRV" addr add 10.99.3.2/24 dev d2
}

# ---- wiremask (ports 0/1 on p0/p1, one worker, no hugepages) ----

wm_pid=
wm_start() {
	local tag=$1 i
	start "$NS_WM" wiremask "$W/$tag.wiremask.log" \
		"$WIREMASK" -l 0,1 --no-huge -m 512 --no-pci --no-shconf \
		--vdev "net_af_packet0,iface=p0,framecnt=$RING" \
		--vdev "net_af_packet1,iface=p1,framecnt=$RING" \
		-- -c "$CONFIG" --stats-json "$W/$tag.stats.json" \
		--metrics-listen "127.0.0.1:$METRICS_PORT"
	wm_pid=$last_pid
	for ((i = 0; i < 100; i++)); do
		grep -q 'worker(s)' "$W/$tag.wiremask.log" 2>/dev/null && return 0
		kill -0 "$wm_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "$ME: wiremask did not start (see $W/$tag.wiremask.log)" >&2
	return 1
}

wm_stop() {
	local tag=$1
	ip netns exec "$NS_WM" curl -sS --noproxy '*' --max-time 5 \
		"http://127.0.0.1:$METRICS_PORT/metrics" >"$W/$tag.metrics" 2>/dev/null
	stop_pid "$wm_pid" 20 || echo "# $tag: wiremask did not exit cleanly (see $W/$tag.wiremask.log)"
	wm_pid=
}

# ---- broker and producer ----

broker_pid=
broker_start() {
	local host=$1 tag=$2 i
	rm -f "$W/$tag.ready"
	start "$NS_SRV" broker "$W/$tag.broker.log" "$PY" "$BROKER" \
		--host "$host" --port 9092 --ready "$W/$tag.ready"
	broker_pid=$last_pid
	for ((i = 0; i < 50; i++)); do
		[ -s "$W/$tag.ready" ] && return 0
		sleep 0.1
	done
	echo "$ME: the broker did not start (see $W/$tag.broker.log)" >&2
	return 1
}

# wait_path HOST: a TCP connection to the broker opens (ARP included).
wait_path() {
	local i
	for ((i = 0; i < 40; i++)); do
		ip netns exec "$NS_CLI" timeout 1 bash -c "exec 3<>/dev/tcp/$1/9092" 2>/dev/null &&
			return 0
		sleep 0.25
	done
	echo "$ME: no connection to $1:9092 within 10 s" >&2
	return 1
}

# produce HOST B TAG: kcat -P of the records, timed (TAG.time: real user sys).
produce() {
	local host=$1 b=$2 tag=$3 linger=$LINGER
	[ "$b" -gt 1 ] || linger=0
	local TIMEFORMAT='%3R %3U %3S'
	{ time ip netns exec "$NS_CLI" timeout 600 kcat -P -b "$host:9092" -t bench -K '|' \
		-X compression.codec=none -X "batch.num.messages=$b" -X "linger.ms=$linger" \
		-X message.timeout.ms=30000 \
		-l "$W/records.txt" >"$W/$tag.kcat.log" 2>&1; } 2>"$W/$tag.time"
}

# stored HOST: the topic's high watermark, as the broker answers
# ListOffsets (kcat -Q, latest offset).
stored() {
	ip netns exec "$NS_CLI" timeout 20 kcat -Q -b "$1:9092" -t bench:0:-1 2>/dev/null |
		awk '/offset/ { for (i = 1; i < NF; i++) if ($i == "offset") print $(i + 1) }' |
		tail -n 1
}

# one MODE B ROUND: a run; its JSON line appended to runs.jsonl.
one() {
	local mode=$1 b=$2 r=$3 host=10.99.3.2 tag hw bcpu extra=()
	tag=$mode-b$b-r$r
	tag=${tag//+/-}
	[ "$mode" = wiremask ] && host=10.99.1.2
	broker_start "$host" "$tag" || return 1
	wait_path "$host" || return 1
	local wm0=
	[ -z "$wm_pid" ] || wm0=$(cpu_s "$wm_pid")
	produce "$host" "$b" "$tag"
	# wiremask's CPU time while the producer ran (its worker busy-polls).
	[ -z "$wm_pid" ] || extra=(--wm-cpu "$(awk -v a="$wm0" -v b="$(cpu_s "$wm_pid")" 'BEGIN { printf "%.3f", b - a }')")
	hw=$(stored "$host")
	bcpu=$(cpu_s "$broker_pid")
	stop_pid "$broker_pid" 3
	if [ "$mode" = wiremask ]; then
		wm_stop "$tag"
		extra+=(--stats "$W/$tag.stats.json" --metrics "$W/$tag.metrics")
	fi
	"$PY" "$HELP" run --mode "$mode" --batch "$b" --round "$r" --records "$RECORDS" \
		--time "$W/$tag.time" --hw "${hw:-0}" --broker-cpu "$bcpu" "${extra[@]}" \
		>>"$W/runs.jsonl" || return 1
	tail -n 1 "$W/runs.jsonl" | "$PY" -c 'import json, sys
r = json.loads(sys.stdin.read())
print("# %-11s batch %4d round %d: %6.3f s, %8.0f records/s, stored %d/%d%s" % (
    r["mode"], r["batch"], r["round"], r["wall_s"], r["rps"], r["stored"],
    r["records"], "" if "held_us" not in r else
    ", CRC pinned %d fixed %d, held p50/p99/max %s/%s/%s us" % (
        r["counters"]["kafka.crc_pinned"], r["counters"]["kafka.crc_fixed"],
        r["held_us"]["p50"], r["held_us"]["p99"], r["held_us"]["max"])))'
}

# held B: an untimed run through wiremask, both veth ends captured; the
# CRC packets' waits appended to runs.jsonl (mode "capture").
held() {
	local b=$1 tag=capture-b$1 cpid spid i
	wm_start "$tag" || return 1
	broker_start 10.99.1.2 "$tag" || return 1
	wait_path 10.99.1.2 || return 1
	start "$NS_CLI" dumpcap "$W/$tag.c1.log" dumpcap -q -P -i c1 -f 'tcp port 9092' \
		-w "$W/$tag.c1.pcap"
	cpid=$last_pid
	start "$NS_SRV" dumpcap "$W/$tag.s1.log" dumpcap -q -P -i s1 -f 'tcp port 9092' \
		-w "$W/$tag.s1.pcap"
	spid=$last_pid
	for ((i = 0; i < 50; i++)); do
		[ -s "$W/$tag.c1.pcap" ] && [ -s "$W/$tag.s1.pcap" ] && break
		sleep 0.1
	done
	sleep 0.5
	produce 10.99.1.2 "$b" "$tag"
	sleep 0.5
	stop_pid "$cpid" 5
	stop_pid "$spid" 5
	stop_pid "$broker_pid" 3
	wm_stop "$tag"
	"$PY" "$HELP" held "$W/$tag.c1.pcap" "$W/$tag.s1.pcap" |
		"$PY" -c 'import json, sys
r = json.loads(sys.stdin.read()); r.update(mode="capture", batch=int(sys.argv[1]))
s = json.load(open(sys.argv[2]))["counters"]
r["kafka.crc_pinned"], r["kafka.batches"] = s["kafka.crc_pinned"], s["kafka.batches"]
print(json.dumps(r))' "$b" "$W/$tag.stats.json" >>"$W/runs.jsonl" || return 1
	tail -n 1 "$W/runs.jsonl" | "$PY" -c 'import json, sys
r = json.loads(sys.stdin.read()); h = r["crc_held"]; s = r["batch_send"]
print("# capture     batch %4d: %d CRC packets, held p50/p99/max %s/%s/%s us; batch sent in p50 %s us" % (
    r["batch"], r["crc_packets"], h["p50"], h["p99"], h["max"], s["p50"]))'
	rm -f "$W/$tag.c1.pcap" "$W/$tag.s1.pcap"
}

# ---- the run ----

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# wiremask: $WIREMASK"
echo "# config:   $CONFIG"
echo "# work dir: $W"
echo "# $RECORDS records of ${SIZE} B values, rounds $ROUNDS, batches $BATCHES, linger.ms $LINGER"
echo "# $(nproc) core(s), load average $load"
"$PY" "$HELP" gen "$W/records.txt" --records "$RECORDS" --size "$SIZE" ||
	die "cannot generate the records"
setup || die "cannot build the namespaces and veth pairs"
: >"$W/runs.jsonl"

for ((r = 1; r <= ROUNDS; r++)); do
	for b in ${BATCHES//,/ }; do
		# The order swapped every round: neither path always first.
		if ((r % 2)); then order="direct wiremask"; else order="wiremask direct"; fi
		for mode in $order; do
			if [ "$mode" = direct ]; then
				one direct "$b" "$r" || die "run direct b$b r$r failed"
				continue
			fi
			wm_start "wiremask-b$b-r$r" || die "cannot start wiremask"
			if [ "$IDLE" -eq 1 ]; then
				one direct+idle "$b" "$r" || die "run direct+idle b$b r$r failed"
			fi
			one wiremask "$b" "$r" || die "run wiremask b$b r$r failed"
		done
	done
done

if [ "$CAPTURE" -eq 1 ]; then
	if command -v dumpcap >/dev/null 2>&1; then
		for b in ${BATCHES//,/ }; do
			held "$b" || die "capture run b$b failed"
		done
	else
		echo "# dumpcap not found (tshark package): no capture runs"
	fi
fi

finished=1
"$PY" "$HELP" report "$W/runs.jsonl" --cores "$(nproc)" \
	--load "$load before, $(cut -d' ' -f1-3 /proc/loadavg) after"
status=$?
if [ "$QUICK" -eq 1 ] && [ "$status" -eq 0 ]; then
	tail -n 1 "$W/runs.jsonl" >/dev/null
	"$PY" - "$W/runs.jsonl" <<'EOF' || status=1
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
w = [r for r in runs if r["mode"] == "wiremask"]
ok = w and all(r["counters"]["kafka.crc_fixed"] > 0 and
               r["counters"]["kafka.crc_bad"] + r["counters"]["kafka.crc_failed"] == 0
               for r in w)
print("ok - quick: every record stored, CRCs rewritten, none bad" if ok else
      "FAIL - quick: wiremask rewrote no CRC, or some were bad")
sys.exit(0 if ok else 1)
EOF
fi
exit $status
