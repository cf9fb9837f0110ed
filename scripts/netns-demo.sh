#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# wiremask inline on real traffic: network namespaces joined through the
# appliance (DPDK net_af_packet ports on veth pairs), a real HTTP server
# and curl on either side, and checks that what each receiver got is
# masked. See usage() and README.md ("Inline on real traffic").
set -uo pipefail

BULK_MB=50
CONNS=200
LOSS=0.02
REORDER=0.02
SEED=7
RING=4096
PHASES=direct,loss,vlan,gap,hold,delay,proto,redis,mqtt,zones,pg,kafka
SSH_PORT=2222
METRICS=127.0.0.1:9469

usage() {
	cat <<EOF
usage: $(basename "$0") [options]

Runs wiremask between network namespaces and checks, on real TCP between
real programs (curl, a Python HTTP server), that sensitive values are
masked in both directions and everything else passes unchanged:

 phase direct
  1. a POST whose JSON body carries cards, SSNs and e-mails arrives at
     the server masked (length and every other byte unchanged)
  2. a response carrying them arrives at curl masked
  3. a ${BULK_MB} MB download and a ${BULK_MB} MB upload with no value inside arrive
     whole (length and sha256 unchanged; where the sender stalls longer
     than the hold on a word that may begin an e-mail address, the body's
     last word at least, that word arrives masked with '*':
     fail.hold_timeout = "mask"; at most one such word per 2 MB)
  4. ${CONNS} concurrent connections all complete, each response masked
 phase loss
  5. with loss and reordering between the client and the appliance (an
     AF_PACKET relay of the test's own), transfers full of values still
     complete masked, nothing leaves in clear
 phase vlan
  6. 802.1Q VLAN 100 traffic is masked by that VLAN's own policy while
     untagged traffic, at the same time, gets the default one
 phase gap
  7. a hole that outlasts reasm.gap_timeout_ms (set to 50 ms in a copy
     of the config) does not kill the connection
 phase hold
  8. a segment lost right after one that ends inside a card number (the
     relay picks it): the card still arrives masked, no digit in clear
 phase delay
  9. through a 20 ms round trip (the relay delays every frame 10 ms each
     way), with the hold-back settings of configs/inline.cfg as shipped:
     a POST and a response full of values, and kept-alive form POSTs
     whose bodies end with a card, an SSN and an e-mail, arrive with no
     value in clear and no late match; held-time percentiles reported
 phase proto (the protocol stage, configs/examples/netns.cfg's default policy)
 10. curl --data-urlencode: the form body the server got, decoded, has
     the card and the e-mail masked (values behind '+' and %40), and is
     still valid urlencoding of the same length
 11. curl -G --data-urlencode: the request target the server saw, decoded,
     has them masked
 12. a chunked JSON upload (curl, Transfer-Encoding: chunked) and a chunked
     JSON response whose chunk boundaries cut every value (one inside a
     \\u0040 escape), values written with \\u escapes: masked once
     de-chunked and decoded, the framing intact, the JSON still parses;
     the same with a chunk ending inside the \\u0031 of a card digit to
     mask, and a JSON POST of john\\u002eroe@example.net
 13. curl --compressed against a path that gzips when asked: the server
     sees a blank Accept-Encoding (http.accept_encoding) and curl gets
     identity, masked (the same path, asked directly inside the server's
     namespace, does gzip)
 14. two requests on one kept-alive connection, the first a POST whose body
     ends with a card: the card arrives masked, decided at the message
     end (proto.message_end), no hold timeout between the two requests
 15. OpenSSH (sshd in the server's namespace, own host key, key-based
     login, no PAM): ssh through wiremask runs 'echo ok'; the flow is
     SSH (proto.ssh), never modified, its KEXINIT names counted as
     protected hits (mask.protected); skipped, with the reason, where
     sshd cannot run
 phase redis (redis-server in the server namespace; port 6379 pinned to
 redis in the config, 6380 identified by content)
 16. redis-cli SET, HSET, XADD of cards, SSNs and e-mails and a pipelined
     batch (--pipe) through wiremask: every command succeeds, and what
     redis-server stored, read back inside its namespace, is masked;
     every command's end found by its framing, no hold timeout
 17. the same in RESP3 (redis-cli -3) to the unpinned port
 18. values stored in clear on the server's side: GET and HGETALL
     replies (RESP2, and a RESP3 map) arrive masked
 phase mqtt (mosquitto in the server namespace; port 1883 pinned to mqtt,
 1885 identified by CONNECT)
 20. mosquitto_pub (v3.1.1 and v5, QoS 0 and 1) of payloads that end
     with an e-mail, to topics (and v5 user properties) that hold some:
     the broker gets the payloads masked, topics and properties
     unchanged (mask.protected), no hold timeout
 21. what the broker delivers through wiremask to a v5 and a v3.1.1
     subscriber: the same
 22. a 40 KB JSON payload (many segments) both ways: masked
 (each skipped, with the reason, where its programs cannot run)
 phase zones (netns.cfg's default segment made least-privilege: only TCP
 from 10.99.1.0/24 to 10.99.1.2:8080 allowed, default = "deny")
 23. curl to a second server on 8081 (it answers inside its namespace)
     times out: its SYNs are dropped (drop.zone_denied, counted under
     rule default of segment default); a POST to 8080 arrives masked
 phase pg (PostgreSQL 15 in the server's namespace: tests/netns/netns_pg.sh)
 24. psql (scram-sha-256 login through wiremask): INSERTs with cards,
     SSNs and e-mails in the query text all succeed
 25. parameterised INSERTs: psycopg 3 (Parse/Bind) and psycopg2
 26. the table read on the server's side (its own socket, not through
     wiremask): every value masked, everything else as sent
 27. a SELECT of rows stored in clear: the rows arrive masked
 28. 200 round trips: answers masked, no hold timeout (each reply's
     ReadyForQuery decided at its framing); the mean round trip printed
 29. figures only: the same with the stage off for 5432 (a raw pin)
 phase kafka (tests/netns/phase_kafka.sh; kafka_broker.py checks every
     batch's CRC32C as Kafka's broker does)
 30. kcat produces records with cards, SSNs and e-mails, uncompressed:
     the broker stores every batch (CRC valid), values masked, nothing
     else changed; kcat consumes (check.crcs=true) records the broker
     had in clear: masked, every CRC valid; python3-kafka produces too
and after each phase that wiremask stops cleanly on SIGTERM and that its
counters (--stats-json) agree.

Topology: namespaces wmdemoPID-{cli,wm,rly,srv}, only 10.99.x.x addresses:

  cli 10.99.1.1   c1 ==== p0 [wiremask] p1 ==== s1 10.99.1.2   srv
  cli 10.99.2.1   c2 == relay (loss, reorder, delay) == p2 [wiremask] p3 ==
                                                   s2 10.99.2.2   srv
  cli 10.99.100.1 c3 == relay (tag 100) == p4 [wiremask] p5 ==
                        relay (untag 100) == s3 10.99.100.2 srv

  (no 802.1Q sub-interfaces: they need the kernel's 8021q module; the
  relays tag and untag in user space, so the wire into wiremask carries
  real 802.1Q frames either way)

options:
  --phases LIST   run only these, comma-separated (default ${PHASES})
  --workdir DIR   keep data, logs and counters there (default: a new
                  temporary directory, removed after a clean pass)
  --keep          keep the work directory even after a pass
  --capture       capture every wire with dumpcap (tshark package) into
                  the work directory
  --bulk-mb N     size of the bulk transfers in MB (default ${BULK_MB})
  --conns N       concurrent connections (default ${CONNS})
  --loss P --reorder P --seed N
                  impairment of the lossy path (default ${LOSS}, ${REORDER}, ${SEED})
  --ring N        frames per net_af_packet ring (default ${RING})
  --cleanup       remove what killed runs left behind (namespaces
                  wmdemoPID-*, the processes in them) and exit
  -h, --help      this text

Environment: WIREMASK (default build/app/wiremask), CONFIG (default
configs/examples/netns.cfg; its policies must be the ones
tests/netns/netns_data.py models).

Needs root, iproute2 ('ip netns'), veth, curl, ethtool and
/usr/bin/python3. Exit status: 0 every check passed, 1 a check failed,
2 usage or set-up error, 77 cannot run here (the reason is printed).
EOF
}

workdir=
keep=0
capture=0
cleanup_only=0
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--phases) PHASES=${2:?--phases needs a list}; shift 2 ;;
	--workdir) workdir=${2:?--workdir needs a directory}; shift 2 ;;
	--keep) keep=1; shift ;;
	--capture) capture=1; shift ;;
	--bulk-mb) BULK_MB=${2:?}; shift 2 ;;
	--conns) CONNS=${2:?}; shift 2 ;;
	--loss) LOSS=${2:?}; shift 2 ;;
	--reorder) REORDER=${2:?}; shift 2 ;;
	--seed) SEED=${2:?}; shift 2 ;;
	--ring) RING=${2:?}; shift 2 ;;
	--cleanup) cleanup_only=1; shift ;;
	*) echo "$(basename "$0"): unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
for p in ${PHASES//,/ }; do
	case $p in
	direct | loss | vlan | gap | hold | delay | proto | redis | mqtt | zones | pg | kafka) ;;
	*) echo "$(basename "$0"): unknown phase '$p' (direct, loss, vlan, gap, hold, delay, proto, redis, mqtt, zones, pg, kafka)" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
WIREMASK=${WIREMASK:-$root/build/app/wiremask}
CONFIG=${CONFIG:-$root/configs/examples/netns.cfg}
T=$root/tests/netns
PY=/usr/bin/python3
DATA=$T/netns_data.py
CHECK=$T/netns_check.py
PORT=8080
NS=wmdemo$$
NS_CLI=$NS-cli NS_WM=$NS-wm NS_RLY=$NS-rly NS_SRV=$NS-srv
ME=$(basename "$0")

skip() {
	echo "SKIP: $*"
	exit 77
}

die() {
	echo "$ME: $*" >&2
	exit 2
}

# want PHASE: is PHASE to run?
want() {
	case ,$PHASES, in *,$1,*) return 0 ;; esac
	return 1
}

# ---- can it run here? ----

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, veth pairs, AF_PACKET sockets)"
command -v ip >/dev/null 2>&1 || skip "'ip' not found (iproute2)"

if [ "$cleanup_only" -eq 1 ]; then
	for ns in $(ip netns list | awk '{print $1}' | grep -E '^wmdemo[0-9]+-(cli|wm|rly|srv)$'); do
		owner=${ns#wmdemo}
		owner=${owner%%-*}
		if kill -0 "$owner" 2>/dev/null; then
			echo "leaving $ns: its run (pid $owner) is still going"
			continue
		fi
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
		sleep 0.5
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns" && echo "removed namespace $ns"
	done
	exit 0
fi

for tool in ethtool curl sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found (scripts/deps.sh installs it)"
done
[ -x "$PY" ] || skip "$PY not found"
if ! ip netns add "$NS-probe" 2>/dev/null; then
	skip "'ip netns add' failed: no network namespaces here (a container without CAP_SYS_ADMIN?)"
fi
if ! ip -n "$NS-probe" link add probe0 type veth peer name probe1 2>/dev/null; then
	ip netns del "$NS-probe" 2>/dev/null
	skip "cannot create a veth pair (no veth support in this kernel?)"
fi
ip netns del "$NS-probe"
[ -x "$WIREMASK" ] || die "$WIREMASK not found: build it first (meson setup build && ninja -C build) or set WIREMASK"
"$WIREMASK" -- --check-config "$CONFIG" >/dev/null || die "$CONFIG is not a valid configuration"

# A work directory of an earlier run (it holds .netns-demo) is emptied;
# any other one must be empty or new.
if [ -z "$workdir" ]; then
	workdir=$(mktemp -d "${TMPDIR:-/tmp}/wiremask-netns.XXXXXX") || exit 2
	auto_workdir=1
else
	auto_workdir=0
	if [ -e "$workdir/.netns-demo" ]; then
		find "$workdir" -mindepth 1 -delete || exit 2
	elif [ -n "$(ls -A "$workdir" 2>/dev/null)" ]; then
		die "--workdir $workdir: not empty and not a work directory of this script"
	fi
	mkdir -p "$workdir" || exit 2
fi
W=$(cd "$workdir" && pwd)
: >"$W/.netns-demo"

# ---- bookkeeping: results, processes, clean-up ----

npass=0
nfail=0
failed=()
finished=0

ok() {
	echo "ok - $*"
	npass=$((npass + 1))
}

fail() {
	echo "FAIL - $*"
	nfail=$((nfail + 1))
	failed+=("$*")
}

# verdict: count a checker's "ok - ..." / "FAIL - ..." lines, echo the rest.
verdict() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"FAIL - "*) fail "${line#FAIL - }" ;;
		*) echo "$line" ;;
		esac
	done
}

# judge CMD...: run a checker and count its verdicts (no subshell).
judge() {
	verdict < <("$@")
}

declare -A procs=()     # pid -> what, for every process we started

# start NS NAME LOG CMD...: run CMD in NS in the background (ip netns exec
# execs it: $! is the program's own pid); the pid is left in last_pid.
start() {
	local ns=$1 name=$2 log=$3
	shift 3
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	last_pid=$!
	procs[$last_pid]=$name
}

# stop_pid PID [GRACE]: SIGTERM, SIGKILL after GRACE seconds (default 10).
# Returns the exit status; 124 when it had to be killed.
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

cleanup() {
	local pid ns
	trap - EXIT INT TERM
	for pid in "${!procs[@]}"; do
		stop_pid "$pid" 3
	done
	# Anything else still running in the namespaces (a curl of a
	# background transfer), then the namespaces and their veths.
	for ns in "$NS_CLI" "$NS_WM" "$NS_RLY" "$NS_SRV"; do
		pid=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$pid" ] || kill -KILL $pid 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# sshd's privilege separation directory, if phase proto made it.
	[ "${made_run_sshd:-0}" -eq 0 ] || rmdir /run/sshd 2>/dev/null
	# The PostgreSQL cluster of phase pg.
	[ -z "${pg_dir:-}" ] || rm -rf "$pg_dir"
	if [ "$keep" -eq 0 ] && [ "$auto_workdir" -eq 1 ] && [ "$nfail" -eq 0 ] &&
		[ "$finished" -eq 1 ]; then
		rm -rf "$W"
	else
		echo "# work directory (data, logs, counters): $W"
	fi
}
trap cleanup EXIT
trap 'echo "# interrupted"; exit 130' INT
trap 'echo "# terminated"; exit 143' TERM

# ---- topology ----

# Offloads off on every veth end: with them the kernel hands AF_PACKET
# frames whose checksum is not computed yet (tx checksum offload) or
# 64 KB GSO/GRO frames that wiremask cannot forward.
offloads_off() {
	local ns=$1 ifc=$2
	ip netns exec "$ns" ethtool -K "$ifc" tx off tso off gso off gro off \
		>/dev/null 2>&1
	if ip netns exec "$ns" ethtool -k "$ifc" | grep -Eq \
		'^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): on'; then
		echo "$ME: $ns/$ifc: cannot turn its offloads off" >&2
		return 1
	fi
}

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, up, offloads off.
veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" &&
		offloads_off "$1" "$2" && offloads_off "$3" "$4" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

setup() {
	local ns
	for ns in "$NS_CLI" "$NS_WM" "$NS_RLY" "$NS_SRV"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		# No IPv6 chatter (router solicitations, DAD) on the wires.
		ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
			echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null
	done
	veth "$NS_CLI" c1 "$NS_WM" p0 &&
		veth "$NS_WM" p1 "$NS_SRV" s1 &&
		veth "$NS_CLI" c2 "$NS_RLY" l2c &&
		veth "$NS_RLY" l2w "$NS_WM" p2 &&
		veth "$NS_WM" p3 "$NS_SRV" s2 &&
		veth "$NS_CLI" c3 "$NS_RLY" v3c &&
		veth "$NS_RLY" v3w "$NS_WM" p4 &&
		veth "$NS_WM" p5 "$NS_RLY" v5w &&
		veth "$NS_RLY" v5s "$NS_SRV" s3 || return 1
	ip -n "$NS_CLI" addr add 10.99.1.1/24 dev c1 &&
		ip -n "$NS_CLI" addr add 10.99.2.1/24 dev c2 &&
		ip -n "$NS_CLI" addr add 10.99.100.1/24 dev c3 &&
		ip -n "$NS_SRV" addr add 10.99.1.2/24 dev s1 &&
		ip -n "$NS_SRV" addr add 10.99.2.2/24 dev s2 &&
		ip -n "$NS_SRV" addr add 10.99.100.2/24 dev s3
}

# capture_start: dumpcap on every wire (--capture).
capture_start() {
	local spec
	[ "$capture" -eq 1 ] || return 0
	if ! command -v dumpcap >/dev/null 2>&1; then
		echo "# --capture: dumpcap not found (tshark package): no captures"
		return 0
	fi
	for spec in cli:c1 srv:s1 cli:c2 rly:l2w srv:s2 cli:c3 rly:v3w rly:v5w srv:s3; do
		start "$NS-${spec%%:*}" "dumpcap ${spec#*:}" "$W/capture-${spec#*:}.log" \
			dumpcap -q -i "${spec#*:}" -w "$W/capture-${spec%%:*}-${spec#*:}.pcapng"
	done
	sleep 1
}

# ---- wiremask ----

wm_pid=
wm_extra=()
# wm_start PHASE [CONFIG]: wiremask on the six veth ends (pairs 0<->1,
# 2<->3, 4<->5), one worker, no hugepages; wm_extra: more options.
wm_start() {
	local phase=$1 cfg=${2:-$CONFIG} vdevs=() i
	for i in 0 1 2 3 4 5; do
		vdevs+=(--vdev "net_af_packet$i,iface=p$i,framecnt=$RING")
	done
	start "$NS_WM" "wiremask ($phase)" "$W/$phase.wiremask.log" \
		"$WIREMASK" -l 0,1 --no-huge -m 512 --no-pci --no-shconf "${vdevs[@]}" \
		-- -c "$cfg" --stats-json "$W/$phase.stats.json" "${wm_extra[@]}"
	wm_pid=$last_pid
	# Its start-up notice ("N port(s), N worker(s), ...") comes once the
	# ports are open and the workers run.
	for ((i = 0; i < 100; i++)); do
		grep -q 'worker(s)' "$W/$phase.wiremask.log" 2>/dev/null && break
		kill -0 "$wm_pid" 2>/dev/null || break
		sleep 0.1
	done
	ip -n "$NS_WM" -s -j link show >"$W/$phase.links-start.json" 2>/dev/null
}

# wm_stop PHASE: SIGTERM; it must exit 0 within 20 s and write its counters.
wm_stop() {
	local phase=$1 rc
	# The kernel's count of frames into each af_packet interface while
	# wiremask ran, to compare with what it read (a full ring is not
	# counted as imissed).
	ip -n "$NS_WM" -s -j link show >"$W/$phase.links-stop.json" 2>/dev/null
	stop_pid "$wm_pid" 20
	rc=$?
	wm_pid=
	if [ $rc -eq 124 ]; then
		fail "$phase: wiremask did not exit within 20 s of SIGTERM (killed; see $W/$phase.wiremask.log)"
	elif [ $rc -ne 0 ]; then
		fail "$phase: wiremask exited with status $rc (see $W/$phase.wiremask.log)"
	elif [ ! -s "$W/$phase.stats.json" ]; then
		fail "$phase: wiremask wrote no counters (--stats-json)"
	else
		ok "$phase: wiremask stopped cleanly on SIGTERM and wrote its counters"
	fi
	# Its exit summary: totals and every non-zero counter.
	sed -n '/^wiremask summary/,/^ports/p' "$W/$phase.wiremask.log" |
		grep -v '^ports' | sed 's/^/# /'
	judge "$PY" "$CHECK" rings "$W/$phase.links-start.json" \
		"$W/$phase.links-stop.json" "$W/$phase.wiremask.log"
}

# counters PHASE [--before M --after M] "TEXT|EXPR|SHOW"...: assertions over the phase's counters
# (netns_check.py counters): c("name") a counter, m("card") a detector's
# masked count, drops() / passed() the non-zero drop.* / pass.* counters;
# d("name") a counter's growth between two /metrics scrapes.
counters() {
	local phase=$1
	shift
	judge "$PY" "$CHECK" counters "$W/$phase.stats.json" "$phase" "$@"
}

# ---- traffic ----

# curl in the client namespace; --noproxy: only the namespaces' addresses.
curl_cli() {
	ip netns exec "$NS_CLI" curl -sS --noproxy '*' "$@"
}

# wait_path WHAT IP: the path through wiremask answers (ARP included).
wait_path() {
	local i
	for ((i = 0; i < 40; i++)); do
		curl_cli --max-time 1 -o /dev/null "http://$2:$PORT/f/ping" 2>/dev/null &&
			return 0
		sleep 0.25
	done
	fail "$1: no answer from $2 through wiremask within 10 s"
	return 1
}

# post IP NAME FILE [MAXTIME]: POST FILE as NAME; the server stores it in
# srv/recv/NAME and replies "LENGTH SHA256".
post() {
	curl_cli --max-time "${4:-60}" --fail -H 'Content-Type: application/json' \
		--data-binary "@$3" -o "$W/cli/$2.reply" "http://$1:$PORT/u/$2"
}

# get IP NAME [MAXTIME]: GET srv/files/NAME into cli/NAME.
get() {
	curl_cli --max-time "${3:-60}" --fail -o "$W/cli/$2" "http://$1:$PORT/f/$2"
}

# values FILE...: "cards ssns emails" the generator put into the FILEs.
values() {
	"$PY" - "$@" <<'EOF'
import json, sys
n = {"card": 0, "ssn": 0, "email": 0}
for p in sys.argv[1:]:
    for v in json.load(open(p + ".values.json")):
        n[v["kind"]] += 1
print(n["card"], n["ssn"], n["email"])
EOF
}

secs() {
	awk "BEGIN { printf \"%.1f s\", $(date +%s.%N) - $1 }"
}

# ---- phases ----

phase_direct() {
	local t0 rc n cfg
	echo "# phase direct: client 10.99.1.1 -> wiremask ports 0/1 -> server 10.99.1.2"
	wm_start direct
	if wait_path direct 10.99.1.2; then
		if post 10.99.1.2 post.json "$W/src/post.json"; then
			judge "$PY" "$CHECK" check "$W/srv/recv/post.json" "$W/src/post.json" \
				--policy default --hold-masked-ok --what "1. POST body as the server received it"
		else
			fail "1. POST with values: curl failed"
		fi
		if get 10.99.1.2 resp.json; then
			judge "$PY" "$CHECK" check "$W/cli/resp.json" "$W/srv/files/resp.json" \
				--policy default --hold-masked-ok --what "2. response as curl received it"
		else
			fail "2. response with values: curl failed"
		fi
		t0=$(date +%s.%N)
		if get 10.99.1.2 bulk.bin 120; then
			judge "$PY" "$CHECK" same "$W/cli/bulk.bin" "$W/srv/files/bulk.bin" \
				--stall-runs-per-mb 0.5 --what "3. ${BULK_MB} MB download in $(secs "$t0")"
		else
			fail "3. ${BULK_MB} MB download: curl failed after $(secs "$t0")"
		fi
		rm -f "$W/cli/bulk.bin"
		t0=$(date +%s.%N)
		if post 10.99.1.2 bulk-up.bin "$W/src/bulk-up.bin" 120; then
			judge "$PY" "$CHECK" same "$W/srv/recv/bulk-up.bin" "$W/src/bulk-up.bin" \
				--stall-runs-per-mb 0.5 --what "3. ${BULK_MB} MB upload in $(secs "$t0")"
		else
			fail "3. ${BULK_MB} MB upload: curl failed after $(secs "$t0")"
		fi
		# 2 x ${BULK_MB} MB: not worth keeping (the seeds make them again).
		rm -f "$W/srv/recv/bulk-up.bin"* "$W/srv/files/bulk.bin" "$W/src/bulk-up.bin"
		cfg=$W/cli/conns.curl
		: >"$cfg"
		for n in "${conn_names[@]}"; do
			printf 'url = "http://10.99.1.2:%d/f/%s"\noutput = "%s"\n' \
				$PORT "$n" "$W/cli/$n" >>"$cfg"
		done
		t0=$(date +%s.%N)
		curl_cli --max-time 60 --fail --no-progress-meter --parallel --parallel-immediate \
			--parallel-max "$CONNS" -K "$cfg"
		rc=$?
		[ $rc -eq 0 ] || fail "4. $CONNS concurrent connections: curl exited with status $rc"
		judge "$PY" "$CHECK" check-many "$W/cli" "$W/srv/files" --policy default --hold-masked-ok \
			--what "4. $CONNS concurrent connections in $(secs "$t0")" "${conn_names[@]}"
	fi
	wm_stop direct
	read -r cards ssns emails < <(values "$W/src/post.json" "$W/srv/files/resp.json" \
		"${conn_names[@]/#/$W/srv/files/}")
	counters direct \
		"masked card = $cards|m('card') == $cards|m('card')" \
		"masked ssn = $ssns|m('ssn') == $ssns|m('ssn')" \
		"masked email = $emails|m('email') == $emails|m('email')" \
		"flows >= $CONNS|c('flow.new') >= $CONNS|c('flow.new')" \
		"no late match (no value started to leave in clear)|c('mask.late_match') == 0|c('mask.late_match')" \
		"nothing passed unjudged|not passed()|passed()"
}

phase_loss() {
	local t0 relay
	echo "# phase loss: client 10.99.2.1 -> relay (loss $LOSS, reorder $REORDER, seed $SEED)"
	echo "#             -> wiremask ports 2/3 -> server 10.99.2.2"
	start "$NS_RLY" "relay (loss)" "$W/relay-loss.log" "$PY" "$T/relay.py" \
		--a l2c --b l2w --loss "$LOSS" --reorder "$REORDER" --seed "$SEED" \
		--stats "$W/relay-loss.json"
	relay=$last_pid
	wm_start loss
	if wait_path loss 10.99.2.2; then
		t0=$(date +%s.%N)
		if post 10.99.2.2 loss-post.json "$W/src/loss-post.json"; then
			judge "$PY" "$CHECK" check "$W/srv/recv/loss-post.json" "$W/src/loss-post.json" \
				--policy default --hold-masked-ok --what "5. POST through loss and reordering, $(secs "$t0")"
		else
			fail "5. POST through loss and reordering: curl failed after $(secs "$t0")"
		fi
		t0=$(date +%s.%N)
		if get 10.99.2.2 loss-resp.json; then
			judge "$PY" "$CHECK" check "$W/cli/loss-resp.json" "$W/srv/files/loss-resp.json" \
				--policy default --hold-masked-ok --what "5. response through loss and reordering, $(secs "$t0")"
		else
			fail "5. response through loss and reordering: curl failed after $(secs "$t0")"
		fi
	fi
	wm_stop loss
	stop_pid "$relay" 5
	judge "$PY" "$CHECK" relay-loss "$W/relay-loss.json" --what "5. the relay impaired the path"
	counters loss \
		"no late match (no value started to leave in clear)|c('mask.late_match') == 0|(c('mask.late_match'), c('stream.hold_masked'))" \
		"segments queued beyond a gap (the loss reached wiremask)|c('reasm.ooo_queued') > 0|c('reasm.ooo_queued')" \
		"nothing passed unjudged|not passed()|passed()"
}

phase_vlan() {
	local tag untag pids=() pid
	echo "# phase vlan: client 10.99.100.1 -> relay (tag 100) -> wiremask ports 4/5"
	echo "#             -> relay (untag 100) -> server 10.99.100.2; untagged on ports 0/1 at once"
	start "$NS_RLY" "relay (tag)" "$W/relay-tag.log" "$PY" "$T/relay.py" \
		--a v3c --b v3w --vlan 100 --stats "$W/relay-tag.json"
	tag=$last_pid
	start "$NS_RLY" "relay (untag)" "$W/relay-untag.log" "$PY" "$T/relay.py" \
		--a v5s --b v5w --vlan 100 --stats "$W/relay-untag.json"
	untag=$last_pid
	wm_start vlan
	if wait_path vlan 10.99.100.2 && wait_path vlan 10.99.1.2; then
		# The same bodies, tagged and untagged, at the same time.
		post 10.99.100.2 vlan-post.json "$W/src/vlan-post.json" &
		pids+=($!)
		post 10.99.1.2 ctl-post.json "$W/src/vlan-post.json" &
		pids+=($!)
		get 10.99.100.2 vlan-resp.json &
		pids+=($!)
		get 10.99.1.2 ctl-resp.json &
		pids+=($!)
		for pid in "${pids[@]}"; do
			procs[$pid]=curl
		done
		for pid in "${pids[@]}"; do
			wait "$pid" || fail "6. a transfer failed (curl exited with status $?)"
			unset "procs[$pid]"
		done
		judge "$PY" "$CHECK" check "$W/srv/recv/vlan-post.json" "$W/src/vlan-post.json" \
			--policy payments --hold-masked-ok --what "6. POST on VLAN 100 (segment payments)"
		judge "$PY" "$CHECK" check "$W/cli/vlan-resp.json" "$W/srv/files/vlan-resp.json" \
			--policy payments --hold-masked-ok --what "6. response on VLAN 100 (segment payments)"
		judge "$PY" "$CHECK" check "$W/srv/recv/ctl-post.json" "$W/src/vlan-post.json" \
			--policy default --hold-masked-ok --what "6. the same POST untagged, at the same time (segment default)"
		judge "$PY" "$CHECK" check "$W/cli/ctl-resp.json" "$W/srv/files/ctl-resp.json" \
			--policy default --hold-masked-ok --what "6. the same response untagged (segment default)"
	fi
	wm_stop vlan
	stop_pid "$tag" 5
	stop_pid "$untag" 5
	judge "$PY" "$CHECK" relay-vlan "$W/relay-tag.json" "$W/relay-untag.json" \
		--what "6. VLAN 100 on ports 4/5"
	read -r cards ssns emails < <(values "$W/src/vlan-post.json" "$W/srv/files/vlan-resp.json")
	# Each body went tagged and untagged; the VLAN's policy masks no e-mail.
	counters vlan \
		"masked card = $cards tagged + $cards untagged|m('card') == 2 * $cards|m('card')" \
		"masked ssn = $ssns tagged + $ssns untagged|m('ssn') == 2 * $ssns|m('ssn')" \
		"masked email = $emails, untagged only (VLAN 100 masks none)|m('email') == $emails|m('email')" \
		"no late match|c('mask.late_match') == 0|c('mask.late_match')" \
		"nothing dropped or passed unjudged|not drops() and not passed()|(drops(), passed())"
}

phase_gap() {
	local t0 relay cfg=$W/gap.cfg got
	echo "# phase gap: client 10.99.2.1 -> relay (drops the 20th data frame of each connection)"
	echo "#            -> wiremask ports 2/3 (reasm.gap_timeout_ms = 50) -> server 10.99.2.2"
	# The config under test, with a gap timeout shorter than TCP's
	# retransmission timeout (200 ms at least): the hole is skipped before
	# the sender fills it, as happens with any longer outage.
	{
		cat "$CONFIG"
		printf '\n# netns-demo.sh phase gap: holes skipped after 50 ms.\n'
	} >"$cfg"
	if grep -q 'gap_timeout_ms' "$cfg"; then
		sed -i 's/gap_timeout_ms *= *[0-9]*;/gap_timeout_ms = 50;/' "$cfg"
	elif grep -q '^reasm *= *{' "$cfg"; then
		sed -i 's/^reasm *= *{/reasm = {\n\tgap_timeout_ms = 50;/' "$cfg"
	else
		printf 'reasm = { gap_timeout_ms = 50; };\n' >>"$cfg"
	fi
	if ! "$WIREMASK" -- --check-config "$cfg" | grep -q 'reasm.gap_timeout_ms = 50$'; then
		fail "7. cannot derive a config with reasm.gap_timeout_ms = 50 from $CONFIG"
		return
	fi
	start "$NS_RLY" "relay (drop)" "$W/relay-gap.log" "$PY" "$T/relay.py" \
		--a l2c --b l2w --drop-nth 20 --stats "$W/relay-gap.json"
	relay=$last_pid
	wm_start gap "$cfg"
	if wait_path gap 10.99.2.2; then
		t0=$(date +%s.%N)
		if post 10.99.2.2 gap-post.json "$W/src/gap-post.json" 20; then
			judge "$PY" "$CHECK" check "$W/srv/recv/gap-post.json" "$W/src/gap-post.json" \
				--policy default --hold-masked-ok --what "7. POST across a hole longer than reasm.gap_timeout_ms, $(secs "$t0")"
		else
			got=$(stat -c %s "$W/srv/recv/gap-post.json.part" 2>/dev/null || echo 0)
			fail "7. POST across a hole longer than reasm.gap_timeout_ms: stalled, curl gave up after $(secs "$t0"); the server got $got of $(stat -c %s "$W/src/gap-post.json") bytes (see the counters below: reasm.gap, drop.memcap)"
		fi
	fi
	wm_stop gap
	stop_pid "$relay" 5
	counters gap \
		"the hole was skipped (what this phase is about)|c('reasm.gap') > 0|c('reasm.gap')" \
		"the hole's late bytes were judged on their own and forwarded|c('reasm.gap_late') > 0|(c('reasm.gap_late'), c('drop.memcap'))" \
		"nothing passed unjudged|not passed()|passed()"
}

phase_hold() {
	local t0 relay
	echo "# phase hold: client 10.99.2.1 -> relay (drops the segment after one that ends inside"
	echo "#             a card number) -> wiremask ports 2/3 -> server 10.99.2.2"
	# The segment that ends inside the card is held (its last digits may
	# be the start of the value); the one that would decide it is lost.
	start "$NS_RLY" "relay (hold)" "$W/relay-hold.log" "$PY" "$T/relay.py" \
		--a l2c --b l2w --drop-after '"card": "(?:[0-9][ -]?){7,}$' \
		--stats "$W/relay-hold.json"
	relay=$last_pid
	wm_start hold
	if wait_path hold 10.99.2.2; then
		t0=$(date +%s.%N)
		if post 10.99.2.2 hold-post.json "$W/src/hold-post.json"; then
			judge "$PY" "$CHECK" check "$W/srv/recv/hold-post.json" "$W/src/hold-post.json" \
				--policy default --hold-masked-ok --what "8. POST whose segment after one ending inside a card number is lost, $(secs "$t0")"
		else
			fail "8. POST whose segment after one ending inside a card number is lost: curl failed after $(secs "$t0")"
		fi
	fi
	wm_stop hold
	stop_pid "$relay" 5
	judge "$PY" "$CHECK" relay-targeted "$W/relay-hold.json" \
		--what "8. the relay found a segment ending inside a card number and dropped the next one"
	counters hold \
		"the held tail left masked at the hold timeout|c('stream.hold_masked') > 0|c('stream.hold_masked')" \
		"nothing passed unjudged|not passed()|passed()"
}

# A copy of configs/inline.cfg for the namespaces: the six af_packet
# ports paired 0-1, 2-3, 4-5, and what fits 512 MB without hugepages;
# the hold-back, the fail actions and the policy stay as shipped.
inline_config() {
	local cfg=$W/inline.cfg key
	sed -E -e '/^[[:space:]]*pairs[[:space:]]*=/d' \
		-e 's/^([[:space:]]*)mbufs[[:space:]]*=[^;]*;/\1mbufs = 16383;/' \
		-e 's/^flow_table_size[[:space:]]*=[^;]*;/flow_table_size = 65536;/' \
		"$root/configs/inline.cfg" >"$cfg"
	for key in hold_timeout_us hold_min_us fail.hold_timeout; do
		[ "$("$WIREMASK" -- --check-config "$cfg" | grep -E "^ *$key = ")" = \
			"$("$WIREMASK" -- --check-config "$root/configs/inline.cfg" |
				grep -E "^ *$key = ")" ] ||
			fail "9. $key of $cfg differs from configs/inline.cfg"
	done
	echo "$cfg"
}

# form_posts: the three form bodies POSTed on one kept-alive connection.
form_posts() {
	local args=() kind
	for kind in card ssn email; do
		[ ${#args[@]} -eq 0 ] || args+=(--next --noproxy '*')
		args+=(--max-time 30 --fail -H 'Content-Type: application/x-www-form-urlencoded'
			--data-binary "@$W/src/form-$kind" -o "$W/cli/form-$kind.reply"
			"http://10.99.2.2:$PORT/u/form-$kind")
	done
	curl_cli "${args[@]}"
}

phase_delay() {
	local t0 relay kind
	echo "# phase delay: client 10.99.2.1 -> relay (10 ms each way: a 20 ms round trip)"
	echo "#              -> wiremask ports 2/3 (configs/inline.cfg) -> server 10.99.2.2"
	start "$NS_RLY" "relay (delay)" "$W/relay-delay.log" "$PY" "$T/relay.py" \
		--a l2c --b l2w --delay-ms 10 --stats "$W/relay-delay.json"
	relay=$last_pid
	wm_start delay "$(inline_config)"
	if wait_path delay 10.99.2.2; then
		t0=$(date +%s.%N)
		if post 10.99.2.2 delay-post.json "$W/src/delay-post.json"; then
			judge "$PY" "$CHECK" check "$W/srv/recv/delay-post.json" "$W/src/delay-post.json" \
				--policy default --hold-masked-ok --what "9. POST through a 20 ms round trip, $(secs "$t0")"
		else
			fail "9. POST through a 20 ms round trip: curl failed after $(secs "$t0")"
		fi
		t0=$(date +%s.%N)
		if get 10.99.2.2 delay-resp.json; then
			judge "$PY" "$CHECK" check "$W/cli/delay-resp.json" "$W/srv/files/delay-resp.json" \
				--policy default --hold-masked-ok --what "9. response through a 20 ms round trip, $(secs "$t0")"
		else
			fail "9. response through a 20 ms round trip: curl failed after $(secs "$t0")"
		fi
		t0=$(date +%s.%N)
		if form_posts; then
			for kind in card ssn email; do
				judge "$PY" "$CHECK" check "$W/srv/recv/form-$kind" "$W/src/form-$kind" \
					--policy default --hold-masked-ok \
					--what "9. kept-alive form POST ending with its $kind, $(secs "$t0")"
			done
		else
			fail "9. kept-alive form POSTs: curl failed after $(secs "$t0")"
		fi
	fi
	wm_stop delay
	stop_pid "$relay" 5
	counters delay \
		"no late match (no value started to leave in clear)|c('mask.late_match') == 0|c('mask.late_match')" \
		"the forms' last values decided at their message ends (HTTP framing), not at hold timeouts|c('proto.message_end') >= 3|(c('proto.message_end'), c('mask.at_timeout'), c('stream.hold_timeout'))" \
		"nothing passed unjudged|not passed()|passed()"
	"$PY" - "$W/delay.stats.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
h, c = s.get("held_us", {}), s["counters"]
print("# delay: %d segments held, held time p50 %s us, p99 %s us, max %s us; "
      "%d bytes masked at stalls of %d bytes scanned" % (
          c.get("stream.held", 0), h.get("p50"), h.get("p99"), h.get("max"),
          c.get("stream.hold_masked", 0), c.get("stream.bytes", 0)))
EOF
}

# metrics_snap FILE: wiremask's counters now (its /metrics, in its namespace).
metrics_snap() {
	ip netns exec "$NS_WM" curl -sS --noproxy '*' --max-time 5 \
		-o "$1" "http://$METRICS/metrics" ||
		echo "# cannot scrape http://$METRICS/metrics: d() counts 0"
}

# ssh_start: sshd in the server namespace on $SSH_PORT, its own host key,
# config and authorized key in $W/ssh; returns 1 (with ssh_skip set to
# the reason) where sshd cannot run here.
ssh_pid=
ssh_skip=
made_run_sshd=0
ssh_start() {
	local d=$W/ssh i
	for i in /usr/sbin/sshd ssh ssh-keygen; do
		command -v "$i" >/dev/null 2>&1 || {
			ssh_skip="'$i' not found (openssh-server, openssh-client: scripts/deps.sh)"
			return 1
		}
	done
	mkdir -p -m 700 "$d"
	ssh-keygen -q -t ed25519 -N '' -C wmdemo-host -f "$d/host_ed25519" &&
		ssh-keygen -q -t ed25519 -N '' -C wmdemo-client -f "$d/id_ed25519" &&
		cp "$d/id_ed25519.pub" "$d/authorized_keys" || {
		ssh_skip="ssh-keygen failed"
		return 1
	}
	# Key-based login only; no PAM, no password. StrictModes off: the
	# work directory may live anywhere (a build tree).
	cat >"$d/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 10.99.1.2
HostKey $d/host_ed25519
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers $(id -un)
StrictModes no
UseDNS no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
EOF
	# The privilege separation directory is built into sshd
	# (/run/sshd); Debian's service makes it at start.
	if [ ! -d /run/sshd ]; then
		mkdir -m 755 /run/sshd || {
			ssh_skip="cannot create sshd's privilege separation directory /run/sshd"
			return 1
		}
		made_run_sshd=1
	fi
	if ! /usr/sbin/sshd -t -f "$d/sshd_config" >"$W/sshd-t.log" 2>&1; then
		ssh_skip="sshd -t rejects its config: $(head -c 300 "$W/sshd-t.log")"
		return 1
	fi
	start "$NS_SRV" sshd "$W/sshd.log" /usr/sbin/sshd -D -e -f "$d/sshd_config"
	ssh_pid=$last_pid
	for ((i = 0; i < 50; i++)); do
		grep -q 'Server listening' "$W/sshd.log" 2>/dev/null && return 0
		kill -0 "$ssh_pid" 2>/dev/null || break
		sleep 0.1
	done
	ssh_skip="sshd did not start listening in the server namespace: $(tail -n 3 "$W/sshd.log" | tr '\n' ' ')"
	stop_pid "$ssh_pid" 3
	ssh_pid=
	return 1
}

ssh_stop() {
	[ -z "$ssh_pid" ] || stop_pid "$ssh_pid" 5
	ssh_pid=
	if [ "$made_run_sshd" -eq 1 ]; then
		rmdir /run/sshd 2>/dev/null
		made_run_sshd=0
	fi
}

# chunked_get NAME WHAT: GET /c/NAME (server.py: chunked, chunk sizes of
# NAME.chunks); its framing as it arrived (curl --raw: curl checks the
# framing even then, so its status is ignored and what it wrote judged),
# then the body curl de-chunked against srv/files/NAME.
chunked_get() {
	local u=http://10.99.1.2:$PORT
	local what="$2, chunks of $(tr ' \n' '+ ' <"$W/srv/files/$1.chunks")bytes then the rest, cutting the values"
	curl_cli --max-time 20 --raw -o "$W/cli/$1.raw" "$u/c/$1" 2>/dev/null
	judge "$PY" "$CHECK" chunked "$W/cli/$1.raw" --what "$what: framing"
	if curl_cli --max-time 20 --fail -o "$W/cli/$1" "$u/c/$1"; then
		judge "$PY" "$CHECK" json "$W/cli/$1" "$W/srv/files/$1" \
			--policy default --hold-masked-ok --what "$what, de-chunked by curl"
	else
		fail "$what: curl cannot de-chunk it (exit $?)"
	fi
}

phase_proto() {
	local u=http://10.99.1.2:$PORT sshok=0 out rc
	local card='4111 1111 1111 1111' email='jane.doe@example.org'
	echo "# phase proto: client 10.99.1.1 -> wiremask ports 0/1 (its HTTP, SSH stage) -> server 10.99.1.2"
	ssh_start || echo "# 15. SKIP (sshd cannot run here): $ssh_skip"
	wm_extra=(--metrics-listen "$METRICS")
	wm_start proto
	wm_extra=()
	if wait_path proto 10.99.1.2; then
		metrics_snap "$W/proto.m09.metrics"
		# 10. a urlencoded form: "%20" between the card's digit groups,
		# "%40" for the '@': found in the decoded view only.
		if curl_cli --max-time 20 --fail -o "$W/cli/pf-form.reply" \
			--data-urlencode "card=$card" --data-urlencode "email=$email" "$u/u/pf-form"; then
			judge "$PY" "$CHECK" urlencoded "$W/srv/recv/pf-form" --body --policy default \
				--what "10. urlencoded POST body (curl --data-urlencode) as the server got it" \
				"card:card:$card" "email:email:$email"
		else
			fail "10. urlencoded POST: curl failed"
		fi
		metrics_snap "$W/proto.m10.metrics"
		# 11. the same in a query string.
		if curl_cli --max-time 20 --fail -o /dev/null -G \
			--data-urlencode "card=$card" --data-urlencode "email=$email" "$u/q/pf-query"; then
			judge "$PY" "$CHECK" urlencoded "$W/srv/recv/pf-query" --query --policy default \
				--what "11. query string (curl -G --data-urlencode) as the server saw it" \
				"card:card:$card" "email:email:$email"
		else
			fail "11. query string: curl failed"
		fi
		metrics_snap "$W/proto.m11.metrics"
		# 12. chunked both ways, values behind JSON escapes.
		if curl_cli --max-time 20 --fail -o "$W/cli/pf-chunked-up.reply" \
			-H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
			--data-binary "@$W/src/pf-escaped.json" "$u/u/pf-chunked-up"; then
			judge "$PY" "$CHECK" json "$W/srv/recv/pf-chunked-up" "$W/src/pf-escaped.json" \
				--policy default --hold-masked-ok --what "12. chunked JSON upload, de-chunked by the server"
		else
			fail "12. chunked JSON upload: curl failed (the server answers 400 on broken framing)"
		fi
		# The framing as it arrived (curl --raw), then the body de-chunked.
		chunked_get pf-escaped.json "12. chunked JSON response"
		# A chunk that ends inside the \u0031 of a digit the mask rewrites.
		chunked_get pf-split.json "12. chunked JSON response cut inside the escape of a card digit to mask"
		# An e-mail whose '.' is \u002e: the raw bytes hold another one.
		if curl_cli --max-time 20 --fail -o /dev/null -H 'Content-Type: application/json' \
			--data-binary "@$W/src/pf-dotesc.json" "$u/u/pf-dotesc"; then
			judge "$PY" "$CHECK" json "$W/srv/recv/pf-dotesc" "$W/src/pf-dotesc.json" \
				--policy default --hold-masked-ok --what "12. JSON POST, an e-mail's '.' written \\u002e (john\\u002eroe@example.net)"
		else
			fail "12. JSON POST with john\\u002eroe@example.net: curl failed"
		fi
		metrics_snap "$W/proto.m12.metrics"
		# 13. the server gzips when asked; through wiremask it is not asked.
		out=$(ip netns exec "$NS_SRV" curl -sS --noproxy '*' --max-time 10 --compressed \
			-D - -o /dev/null "http://127.0.0.1:$PORT/z/pf-gzip.json" | tr -d '\r')
		if grep -qi '^content-encoding: gzip' <<<"$out"; then
			ok "13. control: asked directly (inside the server's namespace), /z/ answers curl --compressed with Content-Encoding: gzip"
		else
			fail "13. control: /z/ did not gzip for curl --compressed inside the server's namespace"
		fi
		if curl_cli --max-time 20 --fail --compressed -D "$W/cli/pf-gzip.headers" \
			-o "$W/cli/pf-gzip.json" "$u/z/pf-gzip.json"; then
			judge "$PY" "$CHECK" accept-encoding "$W/srv/recv/pf-gzip.json.headers.json" \
				--what "13. curl --compressed through wiremask: Accept-Encoding blanked"
			if grep -qi '^content-encoding:' "$W/cli/pf-gzip.headers"; then
				fail "13. the response came compressed: $(grep -i '^content-encoding:' "$W/cli/pf-gzip.headers" | tr -d '\r')"
			else
				ok "13. the response came as identity (no Content-Encoding)"
			fi
			judge "$PY" "$CHECK" check "$W/cli/pf-gzip.json" "$W/srv/files/pf-gzip.json" \
				--policy default --hold-masked-ok --what "13. identity response to curl --compressed"
		else
			fail "13. curl --compressed through wiremask failed"
		fi
		# 14. a POST ending with a card, then another request on the
		# same connection; counters scraped around it.
		metrics_snap "$W/proto.m13.metrics"
		if curl_cli --max-time 20 --fail -H 'Content-Type: application/x-www-form-urlencoded' \
			--data-binary "@$W/src/pf-ka-card" -o "$W/cli/pf-ka-card.reply" "$u/u/pf-ka-card" \
			-w '%{num_connects}\n' \
			--next --noproxy '*' --max-time 20 --fail -o "$W/cli/pf-ka-ping" "$u/f/ping" \
			-w '%{num_connects}\n' >"$W/cli/pf-ka.connects"; then
			judge "$PY" "$CHECK" check "$W/srv/recv/pf-ka-card" "$W/src/pf-ka-card" \
				--policy default --what "14. kept-alive POST ending with a card (then a GET on the same connection)"
			if [ "$(tr -d '\n' <"$W/cli/pf-ka.connects")" = 10 ]; then
				ok "14. curl made one connection for both requests (num_connects 1, 0)"
			else
				fail "14. curl did not reuse the connection: num_connects $(tr '\n' ' ' <"$W/cli/pf-ka.connects")"
			fi
		else
			fail "14. kept-alive POST then GET: curl failed"
		fi
		sleep 0.3 # a hold timeout, had there been one, would be counted by now
		metrics_snap "$W/proto.m14.metrics"
		# 15. OpenSSH through wiremask.
		if [ -n "$ssh_pid" ]; then
			out=$(timeout 30 ip netns exec "$NS_CLI" ssh -F /dev/null -p "$SSH_PORT" \
				-i "$W/ssh/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no \
				-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR \
				"$(id -un)@10.99.1.2" 'echo ok' 2>"$W/ssh-client.log")
			rc=$?
			if [ $rc -eq 0 ] && [ "$out" = ok ]; then
				ok "15. OpenSSH $(ssh -V 2>&1 | cut -d, -f1) through wiremask: key login, 'echo ok' answered ok"
				sshok=1
			else
				fail "15. ssh through wiremask: exit $rc, output '$out': $(tail -n 3 "$W/ssh-client.log" | tr '\n' ' ') (sshd: $(tail -n 2 "$W/sshd.log" | tr '\n' ' '))"
			fi
		fi
	fi
	[ -z "$ssh_pid" ] || metrics_snap "$W/proto.m15.metrics"
	wm_stop proto
	ssh_stop
	counters proto --before "$W/proto.m13.metrics" --after "$W/proto.m14.metrics" \
		"14. the POST's end found by its framing (no hold needed)|d('proto.message_end') > 0|(d('proto.message_end'), d('stream.held'))" \
		"14. no hold timeout during the kept-alive requests|d('stream.hold_timeout') == 0 and d('mask.at_timeout') == 0|(d('stream.hold_timeout'), d('mask.at_timeout'), d('stream.hold_masked'))"
	counters proto \
		"HTTP directions identified|c('proto.http') > 0|c('proto.http')" \
		"values found behind encodings (decoded views)|c('mask.decoded') > 0|(c('mask.decoded'), c('stream.view_scans'))" \
		"13. Accept-Encoding blanked|c('http.accept_encoding') > 0|(c('http.accept_encoding'), c('http.compressed'))" \
		"no compressed body came through|c('http.compressed') == 0|c('http.compressed')" \
		"message ends found by HTTP framing|c('proto.message_end') > 0|c('proto.message_end')" \
		"no parser error or lost place|c('proto.error') == 0 and c('proto.lost') == 0|(c('proto.error'), c('proto.lost'))" \
		"no late match|c('mask.late_match') == 0|c('mask.late_match')" \
		"nothing passed unjudged, nothing dropped|not passed() and not drops()|(passed(), drops())"
	if [ "$sshok" -eq 1 ]; then
		counters proto \
			"15. both SSH directions identified|c('proto.ssh') >= 2|c('proto.ssh')" \
			"15. hits in SSH counted, not masked (KEXINIT names)|c('mask.protected') > 0|c('mask.protected')"
	fi
	"$PY" - "$W/proto.stats.json" "$W"/proto.m*.metrics <<'EOF'
import json, re, sys
steps = []
for p in sys.argv[2:]:
    m = {}
    for line in open(p):
        r = re.match(r"^wiremask_(\w+?)_total (\S+)$", line)
        if r:
            m[r.group(1)] = float(r.group(2))
    steps.append((re.search(r"m(\d+)\.metrics$", p).group(1), m))
names = ("stream_hold_timeout", "stream_held", "proto_message_end",
         "mask_decoded", "mask_protected")
for (_, a), (step, b) in zip(steps, steps[1:]):
    print("# proto: item %s: %s" % (int(step), ", ".join(
        "%s +%d" % (n.replace("_", ".", 1), b.get(n, 0) - a.get(n, 0))
        for n in names)))
c = json.load(open(sys.argv[1]))["counters"]
print("# proto: stream.hold_timeout %d for the whole phase, stream.held %d, "
      "proto.message_end %d, mask.decoded %d, mask.protected %d" % tuple(
          c.get(k, 0) for k in ("stream.hold_timeout", "stream.held",
                                "proto.message_end", "mask.decoded",
                                "mask.protected")))
EOF
}

# phases redis and mqtt
# shellcheck source=../tests/netns/phases_kv.sh
. "$T/phases_kv.sh"

# The phase zones' config: configs/examples/netns.cfg with its default
# segment made least-privilege: only HTTP to the server's port 8080 from
# the client's network is allowed.
zones_config() {
	local cfg=$W/zones.cfg
	sed -E 's/^([[:space:]]*)default = \{ policy = "default"; \};/\1default = { policy = "default"; default = "deny";\n\1  rules = ( { name = "web"; action = "allow"; proto = "tcp";\n\1    src = "10.99.1.0\/24"; dst = "10.99.1.2"; dport = '"$PORT"'; } ); };/' \
		"$CONFIG" >"$cfg"
	"$WIREMASK" -- --check-config "$cfg" | grep -q '^segments.default.default = "deny"$' ||
		{ fail "23. cannot derive a least-privilege config from $CONFIG"; return 1; }
	echo "$cfg"
}

phase_zones() {
	local cfg other rc t0
	echo "# phase zones: client 10.99.1.1 -> wiremask ports 0/1 -> server 10.99.1.2,"
	echo "#              the default segment denies all but TCP to port $PORT"
	cfg=$(zones_config) || return
	start "$NS_SRV" "server ($((PORT + 1)))" "$W/server-zones.log" "$PY" "$T/server.py" \
		--root "$W/srv" --port $((PORT + 1))
	other=$last_pid
	wm_start zones "$cfg"
	if wait_path zones 10.99.1.2; then
		# The other server answers inside its namespace: only the zone
		# can stop a connection to it.
		if ip netns exec "$NS_SRV" curl -sS --noproxy '*' --max-time 5 -o /dev/null \
			"http://10.99.1.2:$((PORT + 1))/f/ping"; then
			t0=$(date +%s.%N)
			rc=0
			curl_cli --max-time 3 -o /dev/null "http://10.99.1.2:$((PORT + 1))/f/ping" 2>/dev/null || rc=$?
			if [ "$rc" -eq 28 ]; then
				ok "23. a connection to port $((PORT + 1)) (no rule allows it) times out, $(secs "$t0")"
			else
				fail "23. a connection to port $((PORT + 1)) was not stopped (curl exit $rc, 28 is a timeout)"
			fi
		else
			fail "23. the server on port $((PORT + 1)) does not answer in its own namespace (see $W/server-zones.log)"
		fi
		if post 10.99.1.2 zones-post.json "$W/src/zones-post.json" 30; then
			judge "$PY" "$CHECK" check "$W/srv/recv/zones-post.json" "$W/src/zones-post.json" \
				--policy default --hold-masked-ok --what "23. a POST the zone allows (rule web) arrives masked"
		else
			fail "23. a POST the zone allows (rule web) failed"
		fi
	fi
	wm_stop zones
	stop_pid "$other" 5
	read -r cards ssns emails < <(values "$W/src/zones-post.json")
	counters zones \
		"the denied connection's SYNs dropped under default/default|z('default/default') > 0 and c('drop.zone_denied') == z('default/default')|(z('default/default'), c('drop.zone_denied'))" \
		"flows judged: >= 1 denied, >= 2 allowed|c('zone.flows_denied') >= 1 and c('zone.flows_allowed') >= 2|(c('zone.flows_denied'), c('zone.flows_allowed'))" \
		"masked card = $cards|m('card') == $cards|m('card')" \
		"no late match|c('mask.late_match') == 0|c('mask.late_match')"
}

# ---- the run ----

echo "# wiremask: $WIREMASK"
echo "# config:   $CONFIG"
echo "# work dir: $W"
echo "# phases:   $PHASES"
mkdir -p "$W/srv/files" "$W/srv/recv" "$W/cli" "$W/src"
start_time=$SECONDS

echo "# generating test data"
printf 'pong\n' >"$W/srv/files/ping"
conn_names=()
gen() {
	"$PY" "$DATA" records "$W/src/post.json" --seed 11 --records 300 &&
		"$PY" "$DATA" records "$W/srv/files/resp.json" --seed 12 --records 300 &&
		"$PY" "$DATA" records "$W/src/loss-post.json" --seed 15 --records 2000 &&
		"$PY" "$DATA" records "$W/srv/files/loss-resp.json" --seed 16 --records 2000 &&
		"$PY" "$DATA" records "$W/src/vlan-post.json" --seed 17 --records 300 &&
		"$PY" "$DATA" records "$W/srv/files/vlan-resp.json" --seed 18 --records 300 &&
		cp "$W/srv/files/vlan-resp.json" "$W/srv/files/ctl-resp.json" &&
		cp "$W/srv/files/vlan-resp.json.values.json" "$W/srv/files/ctl-resp.json.values.json" &&
		# The dropped frame (the 20th) lies in the 64 KB lead, where no
		# value is: no value is cut by the hole.
		"$PY" "$DATA" records "$W/src/gap-post.json" --seed 19 --records 300 --lead 65536 &&
		"$PY" "$DATA" records "$W/src/hold-post.json" --seed 20 --records 1000 &&
		"$PY" "$DATA" records "$W/src/delay-post.json" --seed 21 --records 2000 &&
		"$PY" "$DATA" records "$W/srv/files/delay-resp.json" --seed 22 --records 2000 &&
		"$PY" "$DATA" form "$W/src/form-card" --seed 23 --end card &&
		"$PY" "$DATA" form "$W/src/form-ssn" --seed 24 --end ssn &&
		"$PY" "$DATA" form "$W/src/form-email" --seed 25 --end email &&
		"$PY" "$DATA" form "$W/src/pf-ka-card" --seed 26 --end card &&
		"$PY" "$DATA" escaped "$W/src/pf-escaped.json" --set basic &&
		"$PY" "$DATA" escaped "$W/srv/files/pf-split.json" --set split &&
		"$PY" "$DATA" escaped "$W/src/pf-dotesc.json" --set dotesc &&
		cp "$W/src/pf-escaped.json" "$W/src/pf-escaped.json.fields.json" \
			"$W/src/pf-escaped.json.chunks" "$W/srv/files/" &&
		"$PY" "$DATA" records "$W/srv/files/pf-gzip.json" --seed 27 --records 40 &&
		"$PY" "$DATA" records "$W/src/zones-post.json" --seed 28 --records 300 ||
		return 1
	if want direct; then
		"$PY" "$DATA" bulk "$W/srv/files/bulk.bin" --seed 13 --size $((BULK_MB << 20)) &&
			"$PY" "$DATA" bulk "$W/src/bulk-up.bin" --seed 14 --size $((BULK_MB << 20)) ||
			return 1
	fi
	mapfile -t conn_names < <("$PY" "$DATA" many "$W/srv/files" --count "$CONNS" \
		--seed 1000 --records 3)
	[ "${#conn_names[@]}" -eq "$CONNS" ]
}
gen || die "cannot generate the test data"

echo "# building the namespaces $NS-{cli,wm,rly,srv}"
setup || die "cannot build the namespaces and veth pairs"
start "$NS_SRV" server "$W/server.log" "$PY" "$T/server.py" --root "$W/srv" --port $PORT
for ((i = 0; i < 50; i++)); do
	[ -s "$W/srv/ready" ] && break
	sleep 0.1
done
[ -s "$W/srv/ready" ] || die "the HTTP server did not start (see $W/server.log)"
capture_start

# Phase pg lives in its own file.
. "$T/netns_pg.sh"
# phase kafka: tests/netns/phase_kafka.sh
. "$T/phase_kafka.sh"

for phase in direct loss vlan gap hold delay proto redis mqtt zones pg kafka; do
	want "$phase" && "phase_$phase"
done

finished=1
echo "# $npass passed, $nfail failed ($((SECONDS - start_time)) s)"
for f in "${failed[@]}"; do
	echo "#   failed: $f"
done
[ "$nfail" -eq 0 ]
