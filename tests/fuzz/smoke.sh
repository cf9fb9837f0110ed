#!/usr/bin/env bash
# A bounded smoke run of one libFuzzer target, from its seed corpus.
#
# usage: smoke.sh FUZZER NAME SECONDS   (meson test, suite "fuzz")
#        smoke.sh --skip                (a build without -Dfuzz=true)
#
# Seeds: tests/fuzz/corpus/NAME (and, for config, configs/ and the
# hostile configs of tests/config), read only; what the run finds goes
# to a scratch directory in the build dir. Exit 0 when the target ran
# SECONDS without a crash, a leak, a timeout or a broken property; 1
# otherwise (the input that did it is saved as crash-*, leak-*,
# timeout-*, next to the scratch corpus, and printed in hex); 77 skip.
# The run starts from libFuzzer seed 1 (FUZZ_SEED), so a failure in CI
# comes back the same way.
set -euo pipefail

if [ "${1:-}" = --skip ]; then
	echo "SKIP fuzz: the libFuzzer targets build with clang and -Dfuzz=true;"
	echo "  run them with scripts/test.sh --sanitize (suite fuzz in build-sanitize)"
	echo "  or for longer with scripts/fuzz.sh TARGET SECONDS"
	exit 77
fi
[ $# -eq 3 ] || { sed -n '4,5p' "$0" >&2; exit 2; }
exe=$1 name=$2 secs=$3
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC_DIR=${SRC_DIR:-$(cd "$here/../.." && pwd)}
work=$(dirname "$exe")/smoke-$name
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"

seeds=("$here/corpus/$name")
if [ "$name" = config ]; then
	seeds+=("$SRC_DIR/configs" "$SRC_DIR/configs/examples" "$SRC_DIR/tests/config/hostile")
fi
dirs=()
for d in "${seeds[@]}"; do
	[ -d "$d" ] && dirs+=("$d")
done

export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRC_DIR/tests/sanitize.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rc=0
# -timeout: one input taking longer is a hang; -rss_limit_mb: a leak
# or a runaway allocation. ASan's leak check runs at the end.
"$exe" -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
	"$work/corpus" "${dirs[@]}" >"$work/log" 2>&1 || rc=$?
grep -E '^(INFO: seed corpus|#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)' \
	"$work/log" | sed 's/^/  /' || true
if [ "$rc" -ne 0 ]; then
	tail -40 "$work/log"
	for f in "$work"/artifacts/*; do
		[ -f "$f" ] || continue
		echo "input $f:"
		od -A d -c "$f" | head -20 || true  # head closes the pipe early
	done
	echo "FAIL fuzz_$name: exit $rc (log $work/log)"
	exit 1
fi
echo "PASS fuzz_$name: ${secs}s"
