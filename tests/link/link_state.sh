#!/usr/bin/env bash
# Link-state propagation and the status file, on real (tap) links.
#
# wiremask runs inside a network namespace of its own on two net_tap
# ports (kernel interfaces wmlt0, wmlt1): the tap PMD reads its link state
# from the kernel interface (IFF_UP and IFF_RUNNING) and sets the link
# down by clearing IFF_UP, so `ip link set wmlt0 down` is a cable pulled
# on port 0, and `ip link show wmlt1` shows what wiremask did to port 1.
#
#   propagation   wmlt0 down -> wmlt1 down (within 2 s), wmlt0 up -> wmlt1
#                 up; the same from wmlt1; no flapping (exact link event
#                 counts); the status file says ready/not ready; SIGTERM
#                 sets both links down and removes the status file
#   off           ports.link_propagation = false: wmlt1 stays up
#   self pair     one port paired with itself: nothing to propagate
#
# Needs root, ip netns and /dev/net/tun: exits 77 (skip) otherwise.
# Environment (set by meson): WIREMASK, BUILD_DIR, SRC_DIR.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC_DIR=${SRC_DIR:-$(cd "$here/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build/tests/link}
WIREMASK=${WIREMASK:-$SRC_DIR/build/app/wiremask}
PY=/usr/bin/python3
work=$BUILD_DIR/out/link_state
ns=wmlt-$$
wm_pid=

fail() {
	echo "FAIL link_state: $*"
	[ -f "$work/wiremask.log" ] && sed 's/^/  wiremask: /' "$work/wiremask.log"
	exit 1
}

skip() {
	echo "SKIP link_state: $*"
	exit 77
}

cleanup() {
	if [ -n "$wm_pid" ] && kill -0 "$wm_pid" 2>/dev/null; then
		kill -TERM "$wm_pid" 2>/dev/null || true
		sleep 1
		kill -KILL "$wm_pid" 2>/dev/null || true
	fi
	ip netns del "$ns" 2>/dev/null || true
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, tap devices)"
command -v ip >/dev/null 2>&1 || skip "no 'ip' command (apt-get install iproute2)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (tun module)"
[ -x "$PY" ] || skip "$PY not found"
[ -x "$WIREMASK" ] || fail "$WIREMASK not built"
trap cleanup EXIT
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
mkdir -p "$work"
status=$work/status.json stats=$work/stats.json

# is_up IFACE: the kernel interface has IFF_UP
is_up() {
	ip -n "$ns" -o link show dev "$1" 2>/dev/null | grep -qE '<([^>]*,)?UP[,>]'
}

# wait_link IFACE up|down SECONDS
wait_link() {
	local i n=$(($3 * 10))
	for ((i = 0; i < n; i++)); do
		if [ "$2" = up ]; then is_up "$1" && return 0; else is_up "$1" || return 0; fi
		sleep 0.1
	done
	return 1
}

# hold_link IFACE up|down SECONDS: it stays so the whole time
hold_link() {
	local i n=$(($3 * 10))
	for ((i = 0; i < n; i++)); do
		if [ "$2" = up ]; then is_up "$1" || return 1; else is_up "$1" && return 1; fi
		sleep 0.1
	done
	return 0
}

# status_is EXPR SECONDS: a Python expression on the status file's
# object (s) holds within SECONDS; the file must be fresh (time).
status_is() {
	local i n=$(($2 * 10))
	for ((i = 0; i < n; i++)); do
		if "$PY" - "$status" "$1" 2>/dev/null <<'PYEOF'
import json, sys, time
s = json.load(open(sys.argv[1]))
sys.exit(0 if abs(time.time() - s['time']) < 5 and eval(sys.argv[2]) else 1)
PYEOF
		then
			return 0
		fi
		sleep 0.1
	done
	echo "  status: $(cat "$status" 2>/dev/null || echo missing)"
	return 1
}

# start CONFIG VDEV...: wiremask in the namespace, ready within 15 s
start() {
	local cfg=$1 v vdevs=() i
	shift
	for v in "$@"; do vdevs+=(--vdev "$v"); done
	rm -f "$status" "$stats"
	ip netns exec "$ns" "$WIREMASK" -l 0,1 --no-huge -m 512 --no-pci --no-shconf \
		--file-prefix "wmlt$$" --log-level=lib.eal:error "${vdevs[@]}" \
		-- -c "$cfg" --status-file "$status" --stats-json "$stats" \
		>"$work/wiremask.log" 2>&1 &
	wm_pid=$!
	for ((i = 0; i < 150; i++)); do
		[ -f "$status" ] && break
		if ! kill -0 "$wm_pid" 2>/dev/null; then
			if grep -qiE 'net_tap.*(not|fail)|Driver, cannot attach|no port found' \
				"$work/wiremask.log"; then
				sed 's/^/  wiremask: /' "$work/wiremask.log"
				skip "net_tap ports cannot be created here"
			fi
			fail "wiremask exited at start-up"
		fi
		sleep 0.1
	done
	[ -f "$status" ] || fail "no status file after 15 s"
}

# stop: SIGTERM, exit 0 within 10 s, status file gone
stop() {
	local i rc=0
	kill -TERM "$wm_pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$wm_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$wm_pid" 2>/dev/null && fail "wiremask still running 10 s after SIGTERM"
	wait "$wm_pid" || rc=$?
	wm_pid=
	[ "$rc" -eq 0 ] || fail "wiremask exited with status $rc after SIGTERM"
	[ ! -e "$status" ] || fail "status file left behind at exit"
	[ ! -e "$status.tmp" ] || fail "status temporary file left behind at exit"
}

# links_count PORT DOWN UP: the link events counted in --stats-json
links_count() {
	"$PY" - "$stats" "$@" <<'PYEOF' || fail "link events of port $1 (see above)"
import json, sys
port, down, up = (int(a) for a in sys.argv[2:5])
l = json.load(open(sys.argv[1]))['links'][port]
print('  port %d: %d down, %d up (expected %d, %d)' % (port, l['down'], l['up'], down, up))
sys.exit(l['down'] != down or l['up'] != up)
PYEOF
}

# cfg_with NAME 'KEY = VALUE;'...: default.cfg with these ports settings
# (replaced where the file sets them, else added to the ports group)
cfg_with() {
	local out=$work/$1.cfg line key
	shift
	cp "$SRC_DIR/configs/default.cfg" "$out"
	for line in "$@"; do
		key=${line%% *}
		if grep -qE "^[[:space:]]*${key}[[:space:]]*=" "$out"; then
			sed -i -E "s/^([[:space:]]*)${key}[[:space:]]*=[^;]*;/\\1$line/" "$out"
		else
			sed -i -E "s/^ports[[:space:]]*=[[:space:]]*\\{/&\\n\\t$line/" "$out"
		fi
		grep -qF "$line" "$out" || fail "could not set '$line' in $out"
	done
	echo "$out"
}

echo "propagation: on (default), ports 0<->1 on wmlt0, wmlt1"
start "$SRC_DIR/configs/default.cfg" net_tap0,iface=wmlt0 net_tap1,iface=wmlt1
is_up wmlt0 && is_up wmlt1 || fail "tap interfaces not up at start"
status_is 's["alive"] and s["ready"] and s["workers"] == 1 and [p["link"] for p in s["ports"]] == ["up", "up"]' 3 ||
	fail "status not alive and ready with both links up"
for dir in "wmlt0 wmlt1 0 1" "wmlt1 wmlt0 1 0"; do
	read -r a b pa pb <<<"$dir"
	ip -n "$ns" link set "$a" down
	wait_link "$b" down 2 || fail "$b still up 2 s after $a went down"
	echo "  $a down -> $b down"
	status_is "not s['ready'] and s['alive'] and s['ports'][$pa]['link'] == 'down' and s['ports'][$pb]['link'] == 'down'" 3 ||
		fail "status still ready with $a down"
	# Port $pb was set down by us: it must not take $a down in turn nor
	# come back by itself.
	hold_link "$b" down 1 || fail "$b came back up while $a is down"
	ip -n "$ns" link set "$a" up
	wait_link "$b" up 2 || fail "$b still down 2 s after $a came back"
	echo "  $a up -> $b up"
	hold_link "$a" up 1 || fail "$a flapped after coming back"
	is_up "$b" || fail "$b flapped after coming back"
	status_is 's["ready"] and s["alive"]' 3 || fail "status not ready again"
done
stop
grep -q 'exit: link set down on 2 of 2' "$work/wiremask.log" ||
	fail "links not set down at exit"
n=$(grep -c 'link set down: its peer port' "$work/wiremask.log" || true)
[ "$n" -eq 2 ] || fail "$n propagations logged, expected 2 (one per direction)"
# Each port: down and up once by the operator, once by propagation.
links_count 0 2 2
links_count 1 2 2

echo "propagation: off (ports.link_propagation = false)"
start "$(cfg_with off 'link_propagation = false;')" net_tap0,iface=wmlt0 net_tap1,iface=wmlt1
status_is 's["ready"]' 3 || fail "status not ready"
ip -n "$ns" link set wmlt0 down
status_is "not s['ready'] and s['ports'][0]['link'] == 'down'" 3 || fail "port 0 down not seen"
hold_link wmlt1 up 1 || fail "wmlt1 went down with propagation off"
echo "  wmlt0 down, wmlt1 stays up"
ip -n "$ns" link set wmlt0 up
status_is 's["ready"]' 3 || fail "status not ready again"
stop
grep -q 'link set' "$work/wiremask.log" && fail "a link was set with propagation off"
links_count 0 1 1
links_count 1 0 0

echo "self pair: one port paired with itself (ports.pairs = ( [0, 0] ))"
start "$(cfg_with self 'pairs = ( [0, 0] );')" net_tap0,iface=wmlt0
status_is '[p["link"] for p in s["ports"]] == ["up"] and s["ready"]' 3 || fail "status not ready"
ip -n "$ns" link set wmlt0 down
status_is "not s['ready'] and s['ports'][0]['link'] == 'down'" 3 || fail "port 0 down not seen"
sleep 0.5
ip -n "$ns" link set wmlt0 up
status_is 's["ready"]' 3 || fail "status not ready again"
stop
grep -q 'link set down: its peer' "$work/wiremask.log" && fail "a self-paired port propagated"
links_count 0 1 1
echo "PASS link_state"
