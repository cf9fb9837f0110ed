#!/usr/bin/env bash
# wiremask through net_pcap vdevs (file to file) vs dpdk-testpmd io-forward
# through the same vdevs, on the same capture, in one run.
#
# usage: scripts/bench_vdev.sh OUTDIR PACKETS   (scripts/bench.sh --pcap-vs-testpmd)
#
# wiremask exits by itself when the capture is read: its rate is PACKETS
# over (time for the capture - time for a one-flow capture), so EAL start
# and exit cost nothing. testpmd never exits by itself: its rate is the
# median Rx-pps it reports for its busy seconds (--stats-period 1).
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
out=${1:-build/bench}
packets=${2:-1000000}
GEN=build/app/wiremask-gen
WM=build/app/wiremask
eal=(-l 0,1 --no-huge -m 512 --no-pci --no-shconf --log-level=error)
mkdir -p "$out"

big=$out/vdev-1500.pcap
small=$out/vdev-small.pcap
"$GEN" -o "$big" --seed 1 --packets "$packets" --flows 1000 --size 1500 --density 2 >&2
"$GEN" -o "$small" --seed 1 --flows 1 --requests 1 --size 1500 >&2
/usr/bin/python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))' "$out/empty.pcap"
n=$(/usr/bin/python3 -c 'import sys; from scapy.utils import RawPcapReader; print(sum(1 for _ in RawPcapReader(sys.argv[1])))' "$big")

wm_time() {	# wm_time PCAP -> seconds for wiremask to mask it (wall)
	local s e
	s=$(date +%s.%N)
	"$WM" "${eal[@]}" --vdev "net_pcap0,rx_pcap=$1,tx_pcap=$out/vdev-out0.pcap" \
		--vdev "net_pcap1,rx_pcap=$out/empty.pcap,tx_pcap=$out/vdev-out1.pcap" \
		-- -c configs/default.cfg >/dev/null
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}

t_big=$(wm_time "$big")
t_small=$(wm_time "$small")
wm_pps=$(echo "$n / ($t_big - $t_small)" | bc -l)

# testpmd: io forward between the two vdevs, stats every second.
log=$out/testpmd.log
stdbuf -oL dpdk-testpmd "${eal[@]}" --vdev "net_pcap0,rx_pcap=$big,tx_pcap=$out/tp-out0.pcap" \
	--vdev "net_pcap1,rx_pcap=$out/empty.pcap,tx_pcap=$out/tp-out1.pcap" \
	-- --forward-mode=io --stats-period 1 --nb-cores=1 >"$log" 2>&1 &
tp=$!
for _ in $(seq 1 120); do
	sleep 1
	rx=$(grep -o 'RX-packets: *[0-9]*' "$log" | awk 'NR % 2 == 1 {v=$2} END {print v+0}')
	[ "$rx" -ge "$n" ] && break
done
kill -INT "$tp" 2>/dev/null || true
wait "$tp" 2>/dev/null || true
tp_pps=$(grep -o 'Rx-pps: *[0-9]*' "$log" | awk '$2 > 0 {print $2}' | sed '$d' | sort -n |
	awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print 0}')

printf 'capture %s: %d frames (1500 B HTTP/JSON, 1000 flows)\n' "$big" "$n"
printf 'wiremask (net_pcap -> net_pcap, default policy): %.3f Mpps\n' "$(echo "$wm_pps / 1000000" | bc -l)"
printf 'dpdk-testpmd io-forward (same vdevs):           %.3f Mpps\n' "$(echo "$tp_pps / 1000000" | bc -l)"
printf '{"wiremask_pcap_mpps": %.4f, "testpmd_io_mpps": %.4f, "ratio": %.4f}\n' \
	"$(echo "$wm_pps / 1000000" | bc -l)" "$(echo "$tp_pps / 1000000" | bc -l)" \
	"$(echo "if ($tp_pps > 0) $wm_pps / $tp_pps else 0" | bc -l)"
