#!/usr/bin/env bash
# Run one libFuzzer target of tests/fuzz for a while.
#
# usage: scripts/fuzz.sh TARGET [SECONDS [LIBFUZZER-ARGS...]]
#   TARGET   pkt | config | detect | stream
#   SECONDS  how long (default 600)
#
# Builds in build-sanitize/ (clang, ASan + UBSan, -Dfuzz=true; set up
# here if missing, the same build scripts/test.sh --sanitize uses). The
# corpus grows in build-sanitize/fuzz/TARGET/corpus (seeded from
# tests/fuzz/corpus/TARGET, which is never written); an input that
# crashes, leaks, hangs (-timeout=10) or breaks a property is saved in
# build-sanitize/fuzz/TARGET/ as crash-*, leak-*, timeout-*. Replay one:
#   build-sanitize/tests/fuzz/fuzz_TARGET FILE
# Exit 0 when the run ended without one, 1 otherwise.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
if [ $# -lt 1 ]; then
	sed -n '4,6p' "$0" >&2
	exit 2
fi
target=$1
secs=${2:-600}
shift $(($# < 2 ? $# : 2))
case $target in
pkt | config | detect | stream) ;;
*) echo "fuzz.sh: unknown target '$target' (pkt, config, detect, stream)" >&2; exit 2 ;;
esac
command -v clang >/dev/null 2>&1 || { echo "fuzz.sh: clang is needed (apt-get install clang)" >&2; exit 2; }

bdir=build-sanitize
if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang CXX=clang++ meson setup "$bdir" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false
fi
ninja -C "$bdir" "tests/fuzz/fuzz_$target"

chmod 600 configs/examples/keys/demo.key
work=$bdir/fuzz/$target
mkdir -p "$work/corpus"
seeds=(tests/fuzz/corpus/$target)
[ "$target" = config ] && seeds=(configs configs/examples tests/config/hostile)
dirs=()
for d in "${seeds[@]}"; do
	[ -d "$d" ] && dirs+=("$d")
done
export LSAN_OPTIONS=suppressions=$root/tests/sanitize.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
"$bdir/tests/fuzz/fuzz_$target" -max_total_time="$secs" -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
	"$@" "$work/corpus" "${dirs[@]}" || rc=$?
ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null || true
exit $((rc != 0))
