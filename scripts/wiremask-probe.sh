#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Liveness / readiness probe for wiremask in a container. wiremask
# --status-file FILE rewrites FILE about once a second (a temporary file
# renamed over it, so it is never read half-written) with one JSON object:
#   {"time": 1700000000, "alive": true, "ready": true,
#    "ports": [{"port": 0, "link": "up"}], "workers": 2}
# alive: every worker loop went round since the last write; ready: alive
# and every link up. The file is removed when wiremask stops.
#
# Usage: wiremask-probe live|ready [FILE]
#   live   FILE was written less than WIREMASK_PROBE_MAX_AGE seconds ago
#          (default 5; "time" in it, its mtime if it has none) and says
#          "alive": true. A hung control loop stops the writes; a hung
#          worker makes it say false.
#   ready  the same, and "ready": true (every link up).
# FILE defaults to WIREMASK_STATUS_FILE or /run/wiremask/status.json.
# Exit 0 if so, 1 if not with the reason on stdout (the kubelet records it
# in the pod's events), 2 on bad usage. Needs only sh, sed, date, stat.
set -u

mode=${1:-}
file=${2:-${WIREMASK_STATUS_FILE:-/run/wiremask/status.json}}
max_age=${WIREMASK_PROBE_MAX_AGE:-5}

case $mode in
live|ready) ;;
*) echo "usage: wiremask-probe live|ready [STATUS-FILE]"; exit 2 ;;
esac
case $max_age in
''|*[!0-9]*) echo "wiremask-probe: WIREMASK_PROBE_MAX_AGE: not a number: $max_age"; exit 2 ;;
esac

fail() {
	echo "wiremask-probe: $mode: $*"
	exit 1
}

# One read: the file may be replaced between two.
json=$(cat "$file" 2>/dev/null) || fail "no status file $file (not started yet, or stopped)"
[ -n "$json" ] || fail "$file is empty"

# Flat JSON written by wiremask: "key": value, no nesting before "ports".
field() {
	printf '%s\n' "$json" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\([a-z0-9]*\).*/\1/p" | head -n 1
}

now=$(date +%s)
t=$(field time)
if [ -z "$t" ]; then
	t=$(stat -c %Y "$file" 2>/dev/null) || fail "$file vanished"
fi
case $t in
*[!0-9]*|'') fail "bad \"time\" in $file: $t" ;;
esac
age=$((now - t))
if [ $age -gt "$max_age" ] || [ $age -lt $((-max_age)) ]; then
	fail "status written ${age}s ago (more than ${max_age}s): the control loop is stuck or wiremask is gone"
fi

[ "$(field alive)" = true ] || fail "a worker loop did not advance (\"alive\": $(field alive))"
if [ "$mode" = ready ]; then
	[ "$(field ready)" = true ] || fail "not ready (\"ready\": $(field ready)): a link is down or not yet known"
fi
exit 0
