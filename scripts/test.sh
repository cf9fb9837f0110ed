#!/usr/bin/env bash
# Install what is missing (Debian 12), build in build/ and run every test
# suite (unit and e2e). Ends with a line "N passed, N failed"; exits 1 if
# any test failed.
#
# usage: scripts/test.sh [--sanitize | --ci] [MESON-TEST-ARGS...]
#   --sanitize  build in build-sanitize/ with ASan and UBSan (clang, with
#               the libFuzzer targets of tests/fuzz, whose bounded smoke
#               runs are suite fuzz; gcc without them when there is no
#               clang) and run the suites there: a sanitizer report
#               fails its test
#   --ci        what CI runs (.ci/run): every suite in build/, then the
#               unit, e2e and fuzz suites in build-sanitize/; one summary
#   MESON-TEST-ARGS  passed to meson test (--suite unit, a test name...)
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
# git keeps no file modes: the key loader refuses a key that group or
# others can read, so the shipped demo key is made private here.
chmod 600 configs/examples/keys/demo.key
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
wm_install_deps

# setup BUILD_DIR: configure it once (build-sanitize: sanitizers)
setup() {
	[ -f "$1/build.ninja" ] && return 0
	if [ "$1" != build-sanitize ]; then
		meson setup "$1"
	elif command -v clang >/dev/null 2>&1; then
		CC=clang CXX=clang++ meson setup "$1" -Dfuzz=true \
			-Db_sanitize=address,undefined -Db_lundef=false
	else
		echo "test.sh: no clang: sanitizers with gcc, no fuzz targets"
		meson setup "$1" -Db_sanitize=address,undefined
	fi
}

passed=0 failed=0 skipped=0 rc=0
failed_list=$(mktemp)
# run BUILD_DIR [MESON-TEST-ARGS...]: build, test, add up the results
run() {
	local bdir=$1 log p f s r=0
	shift
	setup "$bdir"
	ninja -C "$bdir"
	log=$bdir/meson-logs/testlog.json
	rm -f "$log"
	meson test -C "$bdir" --print-errorlogs "$@" || r=$?
	if [ ! -f "$log" ]; then
		echo "meson test wrote no $log (exit status $r)"
		exit 1
	fi
	[ "$r" -eq 0 ] || rc=$r
	# One JSON object per test: OK, SKIP and EXPECTEDFAIL count as passed;
	# FAIL, TIMEOUT, ERROR and UNEXPECTEDPASS as failed.
	read -r p f s < <(/usr/bin/python3 - "$log" "$failed_list" <<'PY'
import json, sys
p = f = s = 0
out = open(sys.argv[2], 'a')
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    t = json.loads(line)
    r = t.get('result', '')
    if r in ('OK', 'EXPECTEDFAIL'):
        p += 1
    elif r == 'SKIP':
        p += 1
        s += 1
    else:
        f += 1
        out.write('failed: %s (%s, %s)\n' % (t.get('name', '?'), r,
                                           sys.argv[1].split('/')[0]))
print(p, f, s)
PY
	)
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

case ${1:-} in
--sanitize)
	shift
	run build-sanitize "$@"
	;;
--ci)
	shift
	run build "$@"
	# sanitized: what runs our C (the other suites test scripts and
	# manifests, the same in both builds)
	run build-sanitize --suite unit --suite e2e --suite fuzz "$@"
	;;
*)
	run build "$@"
	;;
esac

# The names again at the end, where a truncated CI log still shows them.
cat "$failed_list"
rm -f "$failed_list"
if [ "$skipped" -gt 0 ]; then
	echo "$skipped skipped"
fi
echo "$passed passed, $failed failed"
if [ "$failed" -gt 0 ] || [ "$rc" -ne 0 ]; then
	exit 1
fi
