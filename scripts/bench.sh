#!/usr/bin/env bash
# Benchmark wiremask on generated traffic: the full data path against the
# matching ceiling (raw Hyperscan) and the I/O ceiling (io-forward), side
# by side in one run (wiremask-bench). Installs what is missing, builds.
#
# usage: scripts/bench.sh                 default 1500 B HTTP/JSON workload;
#                                         the JSON result is the last line
#        scripts/bench.sh --sweep         + packet sizes (64, IMIX, 1500),
#                                         flows (1K, 100K, 1M), both policies;
#                                         results.jsonl and PNG plots
#        scripts/bench.sh --sweep-sizes | --sweep-flows   (one half, appended)
#        The flows half: 5M IMIX frames cut with flows open (wiremask-gen
#        --cut), 1K / 100K / 1M flows at once (1M: 994K open at the end),
#        replayed 64K frames at a time (--window), configs/bench/flows-1m.cfg;
#        its last line adds ratio_1m_1k (full path Mpps, 1M over 1K flows)
# Options: --packets N (default 200000), --passes N (3), --workers LIST (1,2),
#          --out DIR (build/bench), --quick (fewer packets: a smoke run),
#          --hugepages (EAL --in-memory on reserved hugepages instead of
#          --no-huge: needed past ~1.5 GB of mbufs, e.g. 100K+ flows),
#          --peer (default point: Suricata 7 on the same capture, one
#          thread, detection only, timed against wiremask file to file
#          (one and two workers, and the former --net-pcap path) and in
#          memory; installs Suricata from bookworm-backports)
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }

mode=default only= huge= peer= packets=200000 passes=3 workers=1,2 out=build/bench
flow_packets=5000000
while [ $# -gt 0 ]; do
	case $1 in
	--sweep) mode=sweep ;;
	--sweep-sizes) mode=sweep; only=sizes ;;
	--sweep-flows) mode=sweep; only=flows ;;
	--packets) packets=$2; shift ;;
	--passes) passes=$2; shift ;;
	--workers) workers=$2; shift ;;
	--out) out=$2; shift ;;
	--quick) packets=20000; passes=1; flow_packets=200000 ;;
	--hugepages) huge=1 ;;
	--peer) peer=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

# shellcheck source=scripts/deps.sh
. scripts/deps.sh
extra=()
[ "$mode" = sweep ] && extra+=(gnuplot-nox)
wm_install_deps "${extra[@]}" >&2
[ -n "$peer" ] && wm_install_suricata >&2
if [ ! -f build/build.ninja ]; then
	meson setup build >&2
fi
ninja -C build >&2
mkdir -p "$out"

GEN=build/app/wiremask-gen
BENCH=build/app/wiremask-bench
ncpu=$(nproc)
lcores="0-$((ncpu > 1 ? 1 : 0))"

# gen NAME ARGS...: a capture, generated once per set of arguments.
gen() {
	local name=$1
	shift
	local pcap=$out/$name.pcap stamp=$out/$name.args
	if [ ! -f "$pcap" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$* $(stat -c %Y "$GEN")" ]; then
		"$GEN" -o "$pcap" --truth "$out/$name.truth.jsonl" --seed 1 "$@" |
			tee "$out/$name.gen" >&2
		echo "$* $(stat -c %Y "$GEN")" >"$stamp"
	fi
	echo "$pcap"
}

# Memory for EAL in MB: every frame of the capture as an mbuf (its
# largest frame + ~600 B of mbuf, meta and headroom, with slack), or
# with a window of W frames W per lcore and W more, plus room to work.
eal_mem() {
	local n max
	n=$(grep -o 'packets=[0-9]*' "${1%.pcap}.gen" | cut -d= -f2)
	[ -n "${2:-}" ] && n=$(( (${lcores#*-} + 2) * $2 ))
	case $1 in *64*) max=128 ;; *) max=1536 ;; esac
	echo $(( n * (max + 900) / 1000000 + 1024 ))
}

# bench PCAP CONFIG [args]: one wiremask-bench run; its JSON on stdout.
# $window set: replay that many frames at a time (--window).
bench() {
	local pcap=$1 cfg=$2
	shift 2
	local mem=(--no-huge -m "$(eal_mem "$pcap" "${window:-}")" --no-shconf)
	[ -n "${window:-}" ] && set -- --window "$window" "$@"
	[ -n "$huge" ] && mem=(--in-memory)
	"$BENCH" -l "$lcores" "${mem[@]}" --no-pci \
		--log-level=error -- -r "$pcap" -c "$cfg" \
		--workers "$workers" --passes "${passes}" --json "$@"
}

# The human report goes to stderr, the JSON (last line) to stdout.
run_point() {	# run_point LABEL PCAP CONFIG
	local label=$1 pcap=$2 cfg=$3 res
	echo >&2
	echo "== $label ($pcap, $cfg)" >&2
	res=$(bench "$pcap" "$cfg")
	echo "$res" | sed '$d' >&2
	echo "$res" | tail -n 1 |
		/usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
r["label"], r["config"] = sys.argv[1], sys.argv[2]
# Pure ACKs and the idle flow: one worker, whatever the last run is.
one = [x for x in r["runs"] if x["workers"] == 1]
if one:
    r["ack_mpps"] = one[0]["ack_mpps"]
    r["idle_flow_bytes"] = one[0]["idle_flow_bytes"]
print(json.dumps(r))' "$label" "$cfg"
}

default_point() {
	local pcap
	pcap=$(gen http-1500 --packets "$packets" --flows 1000 --size 1500 --density 2)
	run_point "1500 B HTTP/JSON, 1000 flows, default policy" "$pcap" configs/default.cfg
}

# timed WALLS CPUS CMD...: CMD's wall seconds appended to the array
# WALLS, its CPU seconds (user + system, its threads and children) to
# CPUS; its output discarded.
timed() {
	local -n _w=$1 _c=$2
	local f
	shift 2
	f=$(mktemp)
	/usr/bin/time -f '%e %U %S' -o "$f" "$@" >/dev/null 2>&1 || true
	_w+=("$(tail -n 1 "$f" | awk '{ print $1 }')")
	_c+=("$(tail -n 1 "$f" | awk '{ printf "%.2f\n", $2 + $3 }')")
	rm -f "$f"
}

# peer_point JSON: Suricata (one thread, detection only, the default
# detectors as PCRE rules) and wiremask file to file (mask-pcap.sh:
# EAL start-up, mempool and file I/O included; one worker, and two,
# lcores not pinned: mask-pcap.sh's default), with the former net_pcap
# path (mask-pcap.sh --net-pcap) beside them: alternating, 3 rounds,
# medians of the wall time, with wiremask's in-memory time (the 1-worker
# full path of the same run). The CPU time (user + system, every thread
# and child) of each is reported too. Neither finds its output of the
# round before: Suricata's logs and wiremask's OUT are removed untimed
# (deleting a 167 MB OUT costs ext4 ~50 ms, which is not masking).
# Adds the keys to JSON's line.
peer_point() {
	local json=$1 pcap=$out/http-1500.pcap sdir=$out/suricata
	local ss=() ws=() w2=() wn=() cs=() cw=() c2=() cn=()
	mkdir -p "$sdir"
	for _ in 1 2 3; do
		rm -f "$sdir"/*.log
		timed ss cs suricata -r "$pcap" --runmode single -k none \
			-c configs/bench/suricata.yaml \
			-S configs/bench/suricata.rules -l "$sdir"
		rm -f "$out/peer-out.pcap"
		timed ws cw scripts/mask-pcap.sh "$pcap" "$out/peer-out.pcap" \
			configs/default.cfg
		rm -f "$out/peer-out.pcap"
		timed w2 c2 scripts/mask-pcap.sh --lcores "(0-2)@(0,1)" "$pcap" \
			"$out/peer-out.pcap" configs/default.cfg
		rm -f "$out/peer-out.pcap"
		timed wn cn scripts/mask-pcap.sh --net-pcap "$pcap" \
			"$out/peer-out.pcap" configs/default.cfg
	done
	echo "peer: suricata ${ss[*]} s (cpu ${cs[*]}); wiremask file to file" \
		"${ws[*]} s (cpu ${cw[*]}), 2 workers ${w2[*]} s (cpu ${c2[*]})," \
		"--net-pcap ${wn[*]} s (cpu ${cn[*]}); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	echo "$json" | /usr/bin/python3 -c '
import json, statistics, sys
r = json.load(sys.stdin)
med = lambda a: statistics.median(float(x) for x in a.split())
s, w, w2, wn = (med(a) for a in sys.argv[1:5])
cs, cw, c2, cn = (med(a) for a in sys.argv[5:9])
one = [x for x in r["runs"] if x["workers"] == 1]
mem = r["packets"] / (one[0]["full_mpps"] * 1e6) if one else 0
r["suricata_s"], r["wiremask_file_s"] = round(s, 3), round(w, 3)
r["wiremask_file_2w_s"], r["wiremask_file_netpcap_s"] = round(w2, 3), round(wn, 3)
r["suricata_cpu_s"], r["wiremask_file_cpu_s"] = round(cs, 3), round(cw, 3)
r["wiremask_file_2w_cpu_s"], r["wiremask_file_netpcap_cpu_s"] = round(c2, 3), round(cn, 3)
r["wiremask_mem_s"] = round(mem, 3)
r["ratio_suricata_file"] = round(s / w, 3)
r["ratio_suricata_file_2w"] = round(s / w2, 3)
r["ratio_suricata_file_netpcap"] = round(s / wn, 3)
r["ratio_suricata_mem"] = round(s / mem, 3) if mem else 0
print(json.dumps(r))' "${ss[*]}" "${ws[*]}" "${w2[*]}" "${wn[*]}" \
		"${cs[*]}" "${cw[*]}" "${c2[*]}" "${cn[*]}"
}

case $mode in
default)
	default_point | tail -n 1 >"$out/default.json"
	if [ -n "$peer" ]; then
		peer_point "$(cat "$out/default.json")" >"$out/default.json.new"
		mv "$out/default.json.new" "$out/default.json"
	fi
	cat "$out/default.json"
	;;
sweep)
	res=$out/results.jsonl
	[ -z "$only" ] && : >"$res"
	[ "$only" = flows ] || for size in 64 imix 1500; do
		pcap=$(gen "size-$size" --packets "$packets" --flows 1000 --size "$size" --density 2)
		for cfg in configs/default.cfg configs/examples/all-detectors.cfg; do
			run_point "size=$size flows=1000" "$pcap" "$cfg" >>"$res"
		done
	done
	# Concurrent flows: the same 5M IMIX frames' worth of traffic with
	# 1K, 100K and 1M flows at once, cut with the flows open so that a
	# million are open at the end (each has ~5 frames: handshake and
	# its first data); 64K frames in mbufs at a time; the table and
	# pools of configs/bench/flows-1m.cfg for every point.
	[ "$only" = sizes ] || for flows in 1000 100000 1000000; do
		pcap=$(gen "cut-$flows" --packets "$flow_packets" --cut --flows "$flows" \
			--requests 1 --size imix --density 2)
		passes=1 window=65536 run_point "flows=$flows size=imix cut" "$pcap" \
			configs/bench/flows-1m.cfg >>"$res"
	done
	# The target: 1M flows' full path Mpps over 1K flows', one worker.
	[ "$only" = sizes ] || /usr/bin/python3 - "$res" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
pts = {r["label"]: r for r in rows}
k = pts.get("flows=1000 size=imix cut")
m = pts.get("flows=1000000 size=imix cut")
if k and m:
    def one(r):
        return [x for x in r["runs"] if x["workers"] == 1][0]
    m["ratio_1m_1k"] = round(one(m)["full_mpps"] / one(k)["full_mpps"], 4)
    print("flows: 1M / 1K full path Mpps (1 worker): %.3f; data path heap at "
          "1M: %.2f GB for %d flows" % (m["ratio_1m_1k"],
          one(m)["dp_heap_bytes"] / 1e9, one(m)["flows_at_end"]),
          file=sys.stderr)
    with open(sys.argv[1], "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
PY
	/usr/bin/python3 scripts/bench_plot.py "$res" "$out" >&2
	tail -n 1 "$res"
	;;
esac
