#!/usr/bin/env bash
# Hostile configs: each is refused by wiremask --check-config with exit
# status 1 and a message naming the file (FILE:LINE where a line applies)
# and why; none may crash it, hang it (timeout 20 s) or pass.
#
# usage: check_hostile.sh [WIREMASK]   (meson test hostile_configs)
#
# tests/config/hostile/ holds the files; what git cannot keep (a FIFO,
# symlinks, file modes, very large or deeply nested files) is made here,
# in a copy. Exit 0 pass, 1 fail.
set -uo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
WIREMASK=${1:-${WIREMASK:-$here/../../build/app/wiremask}}
[ -x "$WIREMASK" ] || { echo "FAIL: $WIREMASK not built"; exit 1; }
work=$(mktemp -d /tmp/wm-hostile.XXXXXX)
trap 'chmod -R u+rwX "$work"; rm -rf "$work"' EXIT
cp -r "$here/hostile/." "$work/"
cd "$work" || exit 1

# What git does not keep.
TAIL='policies = { p = { card = { operator = "redact"; }; }; };
segments = { default = { policy = "p"; }; };'
mkdir -p keys
key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
echo "$key" >keys/open.key && chmod 644 keys/open.key
ln -sf open.key keys/link-to-open.key
ln -sf no-such.key keys/dangling.key
echo "$key" >keys/unreadable.key && chmod 000 keys/unreadable.key
echo 0001020304 >keys/short.key && chmod 600 keys/short.key
mkfifo keys/fifo.key
mkfifo fifo.cfg
/usr/bin/python3 - "$TAIL" <<'PY'
import sys
tail = sys.argv[1].encode() + b'\n'
open('huge-string.cfg', 'wb').write(
    b'policies = { p = { card = { operator = "redact"; fill = "' + b'*' * 200000 +
    b'"; }; }; };\nsegments = { default = { policy = "p"; }; };\n')
open('huge-name.cfg', 'wb').write(b'policies = { ' + b'p' * 100000 +
    b' = { card = { operator = "redact"; }; }; };\nsegments = { default = { policy = "p"; }; };\n')
open('huge-file.cfg', 'wb').write(b'# ' + b'x' * (2 << 20) + b'\n' + tail)
open('deep-nesting.cfg', 'wb').write(b'x = ' + b'{ y = ' * 5000 + b'1;' + b' };' * 5000 + b'\n' + tail)
open('deep-lists.cfg', 'wb').write(b'ports = { pairs = ' + b'(' * 5000 + b')' * 5000 + b'; };\n' + tail)
PY

# FILE|START|REST: the message starts with FILE, then START (":LINE:
# SETTING: reason" or ": reason"), and has REST (optional) further on
cases=(
	'number-beyond-64-bits.cfg|:1: hold_timeout_us: 99999999999999999999999 is beyond 64 bits'
	'number-wraps-32-bits.cfg|:2: reasm.ooo_worker_bytes: 4294967297 is beyond 32 bits'
	'number-hex-wraps.cfg|:1: flow_table_size: 0x100000400 is beyond 32 bits'
	'number-negative.cfg|:1: workers: -1 is out of range'
	'number-float.cfg|:1: flow_timeout_s: wrong type'
	'type-string-for-int.cfg|:1: workers: wrong type'
	'type-group-for-bool.cfg|:1: ports.promiscuous: wrong type'
	'type-list-for-group.cfg|:1: reasm: wrong type'
	'type-int-for-operator.cfg|:1: policies.p.card.operator: wrong type'
	'huge-string.cfg|:1: policies.p.card.fill: '
	'huge-name.cfg|:1: policies.ppppp'
	'huge-file.cfg|: larger than'
	'deep-nesting.cfg|:1: x.y.y.y.y.y.y.y.y.y.y.y.y.y.y.y.y: nested deeper than 16'
	'deep-lists.cfg|:1: ports.pairs: nested deeper than 16'
	'bom.cfg|:1: starts with a byte order mark'
	'nul-byte.cfg|:2: a NUL byte'
	'nul-in-string.cfg|:1: policies.p.card.fill: a NUL byte'
	'not-utf8.cfg|:1: byte 0xe9 is not UTF-8'
	'include-directory.cfg|:2: @include: |/. is not a regular file'
	'include-itself.cfg|:1: @include nested deeper than 10'
	'include-missing.cfg|:1: @include: cannot open |/no-such-file.cfg'
	'unknown-setting.cfg|:2: no_such_setting: unknown setting'
	'syntax-unclosed.cfg|:3: syntax error'
	'empty.cfg|: segments.default: required'
	'binary-garbage.cfg|:2: byte 0x80 is not UTF-8'
	'regex-refused-lookahead.cfg|:2: detectors.acct: detector acct: regex cannot be compiled'
	'regex-refused-backref.cfg|:2: detectors.acct: detector acct:'
	'regex-too-large.cfg|:2: detectors.acct: detector acct:'
	'regex-empty.cfg|:2: detectors.acct: detector acct: empty regex'
	'regex-unbalanced.cfg|:2: detectors.acct: detector acct:'
	'regex-max-len-huge.cfg|:2: detectors.acct.max_len: '
	'key-world-readable.cfg|:1: keys.k: '
	'key-symlink-to-open.cfg|:1: keys.k: '
	'key-dangling-symlink.cfg|:1: keys.k: '
	'key-fifo.cfg|:1: keys.k: '
	'key-directory.cfg|:1: keys.k: '
	'key-short.cfg|:1: keys.k: '
	'events-path-directory.cfg|:2: events.path: / is a directory'
	'events-path-missing-directory.cfg|:1: events.path: directory /nonexistent-wiremask'
	'fifo.cfg|: cannot open: not a regular file'
	'zone-bad-prefix.cfg|:3: segments.default.rules[0].src: "10.0.0.300/8" is not an IPv4 or IPv6 address prefix'
	'zone-bad-port.cfg|:4: segments.default.rules[0].dport[1]: 99999 is out of range 0..65535'
	'zone-unknown-segment.cfg|:3: unknown_segment: unknown segment "quarantine"'
)
# root reads any file whatever its mode
[ "$(id -u)" -ne 0 ] && cases+=('key-unreadable.cfg|:1: keys.k: ')

fails=0
for c in "${cases[@]}"; do
	f=${c%%|*} want=${c#*|} rest=
	if [[ $want == *'|'* ]]; then
		rest=${want#*|} want=${want%%|*}
	fi
	rc=0
	out=$(timeout -k 2 20 "$WIREMASK" -- --check-config "$work/$f" 2>&1) || rc=$?
	msg=$(printf '%s\n' "$out" | grep -F "$work/$f" | tail -1)
	if [ "$rc" -ne 1 ]; then
		case $rc in
		0) why="accepted" ;;
		124 | 137) why="hung (killed after 20 s)" ;;
		*) why="exit status $rc" ;;
		esac
		echo "FAIL $f: $why: $(printf '%s' "$out" | tail -2 | cut -c1-300)"
		fails=$((fails + 1))
	elif ! grep -qF -- "$work/$f$want" <<<"$msg" ||
		! grep -qF -- "$rest" <<<"$msg"; then
		echo "FAIL $f: expected \"FILE$want...$rest\", got: $(printf '%s' "${out:-nothing}" | tail -1 | cut -c1-300)"
		fails=$((fails + 1))
	else
		echo "ok   $f: ${msg#"$work/"}" | cut -c1-200
	fi
done
echo "${#cases[@]} hostile configs, $fails failed"
[ "$fails" -eq 0 ]
