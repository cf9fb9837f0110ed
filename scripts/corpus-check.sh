#!/usr/bin/env bash
# Run every capture of a directory through wiremask and check each result
# independently; one line per capture, for reports and regressions.
set -euo pipefail

usage() {
	cat <<EOF
usage: $(basename "$0") [-c CONFIG] [-o OUTDIR] [--verify TOOL] DIR|PCAP...

For each capture: mask it (scripts/mask-pcap.sh), then check the pair with
tests/e2e/check_masking.py (and with TOOL too when --verify is given, e.g.
../shared/tools/verify-masking). mask-pcap.sh takes every link type it
reads (Ethernet, raw IP, Linux cooked, loopback) and writes the output in
the input's; captures of other link types are skipped.

Prints per capture: frames in/out, values masked, drop.*/pass.* counters,
and each checker's verdict. Outputs and logs stay in OUTDIR (default
build/corpus). Exit status 0 when every checker passed on every capture.
EOF
}

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
config=$root/configs/default.cfg
outdir=$root/build/corpus
verify=
inputs=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-c) config=$2; shift 2 ;;
	-o) outdir=$2; shift 2 ;;
	--verify) verify=$2; shift 2 ;;
	*) inputs+=("$1"); shift ;;
	esac
done
[ ${#inputs[@]} -gt 0 ] || { usage >&2; exit 2; }
mkdir -p "$outdir"

pcaps=()
for i in "${inputs[@]}"; do
	if [ -d "$i" ]; then
		for f in "$i"/*.pcap; do pcaps+=("$f"); done
	else
		pcaps+=("$i")
	fi
done

counter() { # FILE NAME
	/usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); print(d["counters"].get(sys.argv[2],0))' "$1" "$2"
}

drops() { # FILE: the non-zero drop.* and pass.* counters
	/usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))["counters"]
print(" ".join("%s=%d" % (k, v) for k, v in d.items()
      if v and k.split(".")[0] in ("drop", "pass")) or "-")' "$1"
}

fail=0
printf '%-40s %7s %7s %6s  %-8s %-8s %s\n' capture in out masked check verify drops
for f in "${pcaps[@]}"; do
	name=$(basename "$f" .pcap)
	in=$f
	out=$outdir/$name.out.pcap
	json=$outdir/$name.json
	if ! "$root/scripts/mask-pcap.sh" "$in" "$out" "$config" -- \
		--stats-json "$json" >"$outdir/$name.log" 2>&1; then
		if grep -q 'is not one wiremask reads' "$outdir/$name.log"; then
			printf '%-40s skipped: link type wiremask does not read\n' "$name"
			continue
		fi
		printf '%-40s wiremask failed, see %s\n' "$name" "$outdir/$name.log"
		fail=1
		continue
	fi
	ours=PASS
	opts=()
	# Reassembled datagrams leave as fragments of another size (or whole).
	[ "$(counter "$json" frag.reassembled)" -eq 0 ] || opts+=(--refragmented)
	/usr/bin/python3 "$root/tests/e2e/check_masking.py" "${opts[@]}" "$in" "$out" \
		>"$outdir/$name.check" 2>&1 || { ours=FAIL; fail=1; }
	theirs=-
	if [ -n "$verify" ]; then
		theirs=PASS
		"$verify" "$in" "$out" >"$outdir/$name.verify" 2>&1 ||
			{ theirs=FAIL; fail=1; }
	fi
	printf '%-40s %7s %7s %6s  %-8s %-8s %s\n' "$name" \
		"$(counter "$json" port.rx)" "$(counter "$json" port.tx)" \
		"$(counter "$json" mask.values)" "$ours" "$theirs" "$(drops "$json")"
done
echo "details: $outdir/*.check, *.verify, *.log"
exit $fail
