#!/usr/bin/env bash
# Bare-metal deployment files: configs, systemd unit, helper scripts.
#
# usage: baremetal.sh CASE
#   configs   every configs/*.cfg and configs/examples/*.cfg passes
#             wiremask --check-config; inline.cfg is a two-port config
#             with link propagation on
#   systemd   configs/systemd/wiremask.service passes systemd-analyze
#             verify without a warning (paths pointed at this tree); the
#             env file sets what the unit uses
#   scripts   scripts/hugepages.sh and scripts/bind-nics.sh: --help,
#             argument errors, refusal without root, refusal to bind an
#             interface that is up (against a stub dpdk-devbind.py: the
#             host's NICs are never touched)
#
# Environment (set by meson): WIREMASK, BUILD_DIR, SRC_DIR.
# Exit 0 pass, 1 fail, 77 skip (a tool the case needs is missing).
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC_DIR=${SRC_DIR:-$(cd "$here/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build/tests/link}
WIREMASK=${WIREMASK:-$SRC_DIR/build/app/wiremask}

[ $# -eq 1 ] || { sed -n '4,15p' "$0" >&2; exit 2; }
case_name=$1
work=$BUILD_DIR/out/$case_name
mkdir -p "$work"

fail() {
	echo "FAIL $case_name: $*"
	exit 1
}

skip() {
	echo "SKIP $case_name: $*"
	exit 77
}

# expect RC PATTERN CMD...: CMD exits RC and its output matches PATTERN
expect() {
	local want=$1 pat=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed -n '1,20s/^/    /p'
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want"
	grep -qE -- "$pat" <<<"$out" || fail "'$*' does not say /$pat/"
	echo "  ok: $*"
}

case_configs() {
	local f n=0
	[ -x "$WIREMASK" ] || fail "$WIREMASK not built"
	# git keeps no file modes; the key loader refuses a group-readable key.
	chmod 600 "$SRC_DIR"/configs/examples/keys/*.key 2>/dev/null || true
	for f in "$SRC_DIR"/configs/*.cfg "$SRC_DIR"/configs/examples/*.cfg; do
		[ -f "$f" ] || continue
		expect 0 ': valid$' "$WIREMASK" --check-config "$f"
		n=$((n + 1))
	done
	[ "$n" -ge 2 ] || fail "only $n config(s) found under $SRC_DIR/configs"
	f=$SRC_DIR/configs/inline.cfg
	[ -f "$f" ] || fail "no $f"
	expect 0 '^ports\.pairs = 0<->1$' "$WIREMASK" --check-config "$f"
	expect 0 '^ports\.link_propagation = true$' "$WIREMASK" --check-config "$f"
	echo "PASS $case_name ($n configs)"
}

case_systemd() {
	local unit=$SRC_DIR/configs/systemd/wiremask.service env=$SRC_DIR/configs/systemd/wiremask.env
	local u=$work/wiremask.service out rc=0 k
	[ -f "$unit" ] || fail "no $unit"
	[ -f "$env" ] || fail "no $env"
	# The variables the unit uses are all set in the env file, and every
	# NIC of WIREMASK_PCI is allowed to EAL (-a).
	for k in $(grep -oE '\$\{?WIREMASK_[A-Z_]+' "$unit" | tr -d '${' | sort -u); do
		grep -qE "^$k=" "$env" || fail "$env does not set $k (used by the unit)"
	done
	(
		set -a
		# shellcheck disable=SC1090
		. "$env"
		for p in $WIREMASK_PCI; do
			[[ " $WIREMASK_EAL_ARGS " == *" -a $p "* ]] ||
				{ echo "$p of WIREMASK_PCI has no '-a $p' in WIREMASK_EAL_ARGS"; exit 1; }
		done
	) || fail "$env inconsistent"
	grep -q -- '--status-file /run/wiremask/status.json' "$unit" || fail "unit writes no status file"
	grep -q '^RuntimeDirectory=wiremask$' "$unit" || fail "no RuntimeDirectory for the status file"
	grep -q '^LimitMEMLOCK=infinity$' "$unit" || fail "no LimitMEMLOCK=infinity"
	grep -q '^Restart=on-failure$' "$unit" || fail "no Restart=on-failure"
	command -v systemd-analyze >/dev/null 2>&1 ||
		skip "systemd-analyze not installed (the static checks above passed)"
	[ -x "$WIREMASK" ] || fail "$WIREMASK not built"
	# verify checks that every command exists: point them at this tree.
	sed -e "s|/usr/local/libexec/wiremask/|$SRC_DIR/scripts/|g" \
		-e "s|/usr/local/bin/wiremask|$WIREMASK|g" \
		-e "s|/etc/wiremask/wiremask.env|$env|" "$unit" >"$u"
	out=$(cd "$work" && systemd-analyze verify "$u" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	[ "$rc" -eq 0 ] || fail "systemd-analyze verify exited $rc"
	# A bad value is only a warning ("..., ignoring"), exit status 0.
	if grep -E "wiremask\.service|ignoring|Unknown" <<<"$out"; then
		fail "systemd-analyze verify warns about the unit"
	fi
	echo "PASS $case_name"
}

case_scripts() {
	local hp=$SRC_DIR/scripts/hugepages.sh bn=$SRC_DIR/scripts/bind-nics.sh
	local stub=$work/stub-devbind called=$work/stub-called n up='' nobody=()
	[ -x "$hp" ] || fail "$hp missing or not executable"
	[ -x "$bn" ] || fail "$bn missing or not executable"
	expect 0 'setup SIZE' "$hp" --help
	expect 0 'bind .*DEV' "$bn" --help
	expect 2 'usage' "$hp"
	expect 2 'usage' "$bn"
	expect 1 "unknown command 'frobnicate'" "$hp" frobnicate
	expect 1 "unknown command 'frobnicate'" "$bn" frobnicate
	expect 1 'needs a SIZE' "$hp" setup
	expect 1 'is not a size' "$hp" setup lots
	expect 1 'want vfio-pci or uio_pci_generic' "$bn" bind --driver e1000e 0000:00:00.0
	expect 1 'needs at least one DEV' "$bn" bind
	# Without root: a clear refusal before anything is touched.
	if [ "$(id -u)" -ne 0 ]; then
		nobody=()
	elif command -v setpriv >/dev/null 2>&1; then
		nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		nobody=(skip)
	fi
	if [ "${nobody[0]:-}" != skip ]; then
		expect 1 'setup needs root' "${nobody[@]}" "$hp" setup 2G
		expect 1 'clear needs root' "${nobody[@]}" "$hp" clear
		expect 1 'bind needs root' "${nobody[@]}" "$bn" bind 0000:00:00.0
		expect 1 'restore needs root' "${nobody[@]}" "$bn" restore
	else
		echo "  (no setpriv: refusal without root not checked)"
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "PASS $case_name (not root: root-only checks left out)"
		return
	fi
	# As root, against a stub dpdk-devbind.py that only records a call.
	printf '#!/bin/sh\necho "$@" >>"%s"\nexit 1\n' "$called" >"$stub"
	chmod +x "$stub"
	rm -f "$called"
	export DPDK_DEVBIND=$stub WIREMASK_STATE_DIR=$work/state
	rm -rf "$WIREMASK_STATE_DIR"
	expect 1 'not a PCI network device' "$bn" bind lo
	expect 1 'no such PCI device' "$bn" bind ffff:ff:1f.7
	expect 1 'neither a PCI address' "$bn" bind 'no/such'
	expect 1 'nothing recorded' "$bn" restore
	# An interface that is up (the host's own NIC, if it is on PCI).
	for n in /sys/class/net/*; do
		n=$(basename "$n")
		[ $(($(cat "/sys/class/net/$n/flags") & 1)) -eq 1 ] || continue
		readlink -f "/sys/class/net/$n/device" 2>/dev/null | grep -qE '/[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7](/|$)' ||
			continue
		up=$n
		break
	done
	if [ -n "$up" ]; then
		expect 1 "interface is up" "$bn" bind "$up"
	else
		echo "  (no PCI interface up here: refusal of an up interface not checked)"
	fi
	[ ! -e "$called" ] || fail "dpdk-devbind.py was called: $(cat "$called")"
	[ ! -s "$WIREMASK_STATE_DIR/nics" ] || fail "a driver was recorded"
	echo "PASS $case_name"
}

case $case_name in
configs) case_configs ;;
systemd) case_systemd ;;
scripts) case_scripts ;;
*) fail "unknown case (configs, systemd, scripts)" ;;
esac
