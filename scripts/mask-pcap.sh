#!/usr/bin/env bash
# Mask a capture file with wiremask: IN is read on port 0 and everything
# that leaves port 1 is written to OUT. No NIC and no hugepages needed:
# wiremask reads and writes the files itself (--read/--write), or with
# --net-pcap through net_pcap vdevs and wiremask-pcap's converted copies
# (the former path, kept to compare the two).
set -euo pipefail

usage() {
	cat <<EOF
usage: $(basename "$0") [--lcores SPEC] [--net-pcap] IN OUT [CONFIG] [-- WIREMASK-ARGS...]

  IN       capture to mask (pcap or pcapng): Ethernet, raw IP (101, 12,
           14), Linux cooked (SLL 113, SLL2 276: tcpdump -i any) or
           loopback (NULL 0, LOOP 108); read on port 0 as Ethernet
           (wiremask --read: in process, no copy of the file)
  OUT      pcap with what leaves port 1 (a capture holding both directions
           of a connection comes out there whole), in IN's link type:
           IN's frames, link headers and timestamps, only masked bytes and
           TCP checksums changed (pcapng comes out as pcap, ns stamps)
  CONFIG   wiremask config (default: configs/default.cfg)
  --lcores EAL lcore map instead of "(0,1)@(CPUS)": the control lcore
           and one worker, free to run on any CPU this shell may use
           (CPUS), not pinned; e.g. "(0-2)@(0,1)" for two workers on a
           2-core machine (with workers = 0 or 2 in the config)
  --net-pcap  the former path: IN converted to Ethernet (wiremask-pcap),
           net_pcap vdevs, OUT converted back; the same output, slower
  WIREMASK-ARGS  passed on to wiremask, e.g. --stats-json FILE -v

The binaries are build/app/wiremask and, for --net-pcap, wiremask-pcap
(override with WIREMASK=PATH, WIREMASK_PCAP=PATH). Frames over 65,535
bytes are not carried (never cut): reported, not in OUT. OUT is replaced
once complete (a failed run leaves it as it was; OUT may be IN). Exit
status: wiremask's when it fails; 2 IN unreadable, cut short or of
another link type; 3 frames in or out do not add up (OUT incomplete);
4 frames over 65,535 bytes left out.
EOF
}

# Few programs started before wiremask: each costs milliseconds of what a
# user waits for (bash builtins and parameter expansion instead).
self=$(readlink -f "$0")
root=${self%/*/*}
wiremask=${WIREMASK:-$root/build/app/wiremask}
case $wiremask in */*) bindir=${wiremask%/*} ;; *) bindir=. ;; esac
pcapconv=${WIREMASK_PCAP:-$bindir/wiremask-pcap}
lcores=()
netpcap=

while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--lcores)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		lcores=(--lcores "$2"); shift 2 ;;
	--net-pcap) netpcap=1; shift ;;
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
# Not pinned: a file is transformed on whatever CPUs are free; pinned
# to one already busy (another DPDK process polling there), a worker
# gets half of it or less. An appliance pins its workers; a tool run
# on a shared machine should not.
if [ ${#lcores[@]} -eq 0 ]; then
	cpus=
	while read -r key val; do
		[ "$key" = Cpus_allowed_list: ] && cpus=$val
	done </proc/self/status
	lcores=(--lcores "(0,1)@(${cpus:-0})")
fi

for f in "$in" "$config"; do
	if [ ! -r "$f" ]; then
		echo "$(basename "$0"): cannot read $f" >&2
		exit 2
	fi
done
if [ ! -x "$wiremask" ]; then
	echo "$(basename "$0"): $wiremask not built (run: meson setup build && ninja -C build)" >&2
	exit 2
fi
if [ -n "$netpcap" ] && [ ! -x "$pcapconv" ]; then
	echo "$(basename "$0"): $pcapconv not built (run: meson setup build && ninja -C build)" >&2
	exit 2
fi

case $out in */*) [ -d "${out%/*}" ] || mkdir -p "${out%/*}" ;; esac
eal=("${lcores[@]}" --no-huge -m 512 --no-pci --no-shconf --log-level=lib.eal:error)

# wiremask reads IN and writes OUT itself (capture mode) and checks the
# counts (exit 3 or 4, as above): nothing is left for this script to do.
if [ -z "$netpcap" ]; then
	exec "$wiremask" "${eal[@]}" -- -c "$config" --read "$in" --write "$out" "$@"
fi

# The former path from here on.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wiremask-pcap.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A comma in a path would end the vdev argument early (IN and OUT are
# only read and written by wiremask-pcap).
case $tmp in
*,*) echo "$(basename "$0"): TMPDIR must not contain ','" >&2; exit 2 ;;
esac

# The counters say how many frames went in and out: --stats-json, the
# caller's file if it asks for one.
stats=
prev=
for a in "$@"; do
	case $a in --stats-json=*) stats=${a#--stats-json=} ;; esac
	[ "$prev" = --stats-json ] && stats=$a
	prev=$a
done
extra=()
if [ -z "$stats" ]; then
	stats=$tmp/stats.json
	extra=(--stats-json "$stats")
fi
rm -f "$stats"

counter() {	# counter NAME: its value in the stats file, or "?"
	local v
	v=$(grep -o "\"$1\": [0-9]*" "$stats" 2>/dev/null | grep -o '[0-9]*$') || true
	echo "${v:-?}"
}

# DPDK ports carry Ethernet, so IN becomes Ethernet
# frames, numbered, and wiremask's output goes back into IN's link type
# and timestamps (wiremask-pcap); net_pcap vdevs read and write them.
# Sets frames, refused, written; returns wiremask's status.
run_net_pcap() {
	local conv rc=0
	conv=$("$pcapconv" to-eth "$in" "$tmp/in.pcap" "$tmp/state") || exit 2
	read -r _ frames _ refused _ <<<"$conv"
	# An empty capture for port 1's rx: the pcap global header only
	# (magic, version 2.4, zone 0, sigfigs 0, snaplen 65535, linktype 1).
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
		>"$tmp/empty.pcap"
	"$wiremask" "${eal[@]}" \
		--vdev "net_pcap0,rx_pcap=$tmp/in.pcap,tx_pcap=$tmp/out0.pcap" \
		--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap,tx_pcap=$tmp/out.pcap" \
		-- -c "$config" "$@" "${extra[@]}" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
		exit "$rc"
	fi
	written=$("$pcapconv" from-eth "$tmp/out.pcap" "$tmp/state" "$out") || exit 3
	written=${written#frames }
	# Port 0 sends what arrived on port 1, which read an empty capture.
	if [ -s "$tmp/out0.pcap" ] && [ "$(stat -c %s "$tmp/out0.pcap")" -gt 24 ]; then
		echo "$(basename "$0"): note: port 0 also sent frames (not written to $out)" >&2
	fi
	return "$rc"
}

rc=0
run_net_pcap "$@" || rc=$?
if [ "$rc" -eq 3 ]; then
	echo "$(basename "$0"): not every frame of $in was read (see above): $out is incomplete" >&2
fi

rx=$(counter port.rx) tx=$(counter port.tx) oversize=$(counter drop.oversize)
status=0
expect=?
[[ $frames =~ ^[0-9]+$ && $refused =~ ^[0-9]+$ ]] && expect=$((frames - refused))
if [ "$rx" != "$expect" ] || [ "$expect" = "?" ]; then
	echo "$(basename "$0"): $in holds $frames frames ($refused refused)," \
		"wiremask took in $rx: $out is incomplete" >&2
	status=3
fi
if [ "$tx" != "$written" ]; then
	echo "$(basename "$0"): wiremask sent $tx frames, $written reached $out" >&2
	status=3
fi
if [ "$refused" != 0 ] || [ "$oversize" != 0 ]; then
	echo "$(basename "$0"): $((${refused/\?/0} + ${oversize/\?/0})) frame(s) over" \
		"65,535 bytes were not carried (see above; drop.oversize):" \
		"not in $out" >&2
	[ "$status" -ne 0 ] || status=4
fi
[ "$rc" -eq 0 ] || status=$rc
exit "$status"
