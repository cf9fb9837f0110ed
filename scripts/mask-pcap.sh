#!/usr/bin/env bash
# Mask a capture file with wiremask: IN is read on port 0 and everything
# that leaves port 1 is written to OUT. No NIC and no hugepages needed.
set -euo pipefail

usage() {
	cat <<EOF
usage: $(basename "$0") [--lcores SPEC] IN OUT [CONFIG] [-- WIREMASK-ARGS...]

  IN       capture to mask (pcap, Ethernet), read on port 0
  OUT      capture written with what leaves port 1 (a capture holding both
           directions of a connection comes out there whole)
  CONFIG   wiremask config (default: configs/default.cfg)
  --lcores EAL lcore map instead of "-l 0,1", e.g. 0@0,1@1,2@1 for two
           workers on a 2-core machine (the config must say workers = 2)
  WIREMASK-ARGS  passed on to wiremask, e.g. --stats-json FILE -v

The binary is build/app/wiremask (override with WIREMASK=PATH). Exits with
wiremask's exit status.
EOF
}

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
wiremask=${WIREMASK:-$root/build/app/wiremask}
lcores=()

while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--lcores)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		lcores=(--lcores "$2"); shift 2 ;;
	*) break ;;
	esac
done
if [ $# -lt 2 ]; then
	usage >&2
	exit 2
fi
in=$1 out=$2
shift 2
config=$root/configs/default.cfg
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	config=$1
	shift
fi
if [ $# -gt 0 ]; then
	if [ "$1" != "--" ]; then
		usage >&2
		exit 2
	fi
	shift
fi
[ ${#lcores[@]} -gt 0 ] || lcores=(-l "0,1")

for f in "$in" "$config"; do
	if [ ! -r "$f" ]; then
		echo "$(basename "$0"): cannot read $f" >&2
		exit 2
	fi
done
# A DPDK port carries Ethernet frames: a capture of another link type
# (raw IP, Linux cooked) would be misread and pass through unjudged.
magic=$(od -An -tx1 -N4 "$in" | tr -d ' ')
case $magic in
d4c3b2a1 | 4d3cb2a1) lt=$(od -An -tu4 -j20 -N4 --endian=little "$in" | tr -d ' ') ;;
a1b2c3d4 | a1b23c4d) lt=$(od -An -tu4 -j20 -N4 --endian=big "$in" | tr -d ' ') ;;
0a0d0d0a) lt=1 ;; # pcapng: libpcap reads it, link type per interface
*) echo "$(basename "$0"): $in is not a pcap or pcapng file" >&2; exit 2 ;;
esac
if [ "$lt" != 1 ]; then
	echo "$(basename "$0"): $in has link type $lt, not Ethernet (1);" \
		"scripts/corpus-check.sh adds Ethernet headers to raw-IP captures" >&2
	exit 2
fi
if [ ! -x "$wiremask" ]; then
	echo "$(basename "$0"): $wiremask not built (run: meson setup build && ninja -C build)" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wiremask-pcap.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# An empty capture for port 1's rx: the pcap global header only
# (magic, version 2.4, zone 0, sigfigs 0, snaplen 65535, linktype 1).
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
	>"$tmp/empty.pcap"
out_dir=$(dirname "$out")
mkdir -p "$out_dir"
abs() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
in_abs=$(abs "$in")
out_abs=$(abs "$out")

# A comma in a path would end the vdev argument early.
case "$in_abs$out_abs$tmp" in
*,*) echo "$(basename "$0"): paths must not contain ','" >&2; exit 2 ;;
esac

rc=0
"$wiremask" "${lcores[@]}" --no-huge -m 512 --no-pci --no-shconf \
	--log-level=lib.eal:error \
	--vdev "net_pcap0,rx_pcap=$in_abs,tx_pcap=$tmp/out0.pcap" \
	--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap,tx_pcap=$out_abs" \
	-- -c "$config" "$@" || rc=$?

if [ "$rc" -eq 3 ]; then
	echo "$(basename "$0"): not every frame of $in was read (see above): $out is incomplete" >&2
fi
# Port 0 sends what arrived on port 1, which read an empty capture.
if [ -s "$tmp/out0.pcap" ] && [ "$(stat -c %s "$tmp/out0.pcap")" -gt 24 ]; then
	echo "$(basename "$0"): note: port 0 also sent frames (not written to $out)" >&2
fi
exit "$rc"
