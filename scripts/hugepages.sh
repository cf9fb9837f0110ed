#!/usr/bin/env bash
# Reserve and mount hugepages for wiremask (a wrapper of DPDK's
# dpdk-hugepages.py, Debian package "dpdk").
set -euo pipefail

prog=$(basename "$0")
usage() {
	cat <<EOF2
usage: $prog setup SIZE [--pagesize 2M|1G] [--node N]
       $prog show
       $prog clear
       $prog -h | --help

  setup SIZE  make sure SIZE of hugepages (K, M or G suffix, e.g. 2G) is
              reserved on every NUMA node (or on node N only) and that a
              hugetlbfs of that page size is mounted. Never shrinks a
              larger reservation and never clears pages, unlike
              dpdk-hugepages.py --setup: another DPDK program may be
              using them. Safe to run at every start (systemd
              ExecStartPre).
  show        reserved pages per node and size, and the mounts
  clear       unmount and release every reserved hugepage (nothing may
              be using them: stop wiremask first)

  --pagesize  page size (default: the kernel's default, usually 2M).
              1G pages can only be reserved reliably at boot
              (default_hugepagesz=1G hugepagesz=1G hugepages=N on the
              kernel command line); 2M pages can be reserved at any time
              while memory is not fragmented.
  --node N    reserve on NUMA node N only (the node of the NICs and the
              worker cores: /sys/bus/pci/devices/PCI/numa_node)

How much: wiremask's mbuf pool is ports.mbufs x (ports.mbuf_size + 128 +
about 200) bytes (16383 x 10.5 KB = 170 MB by default), plus flow tables
(flow_table_size per worker), rings and EAL overhead: 1G per node is
plenty for the defaults; start with 2G when raising mbufs or flow_table_size.

Needs root, except show and --help.
EOF2
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

need_root() {
	[ "$(id -u)" -eq 0 ] ||
		die "$1 needs root (writes /sys/kernel/mm/hugepages, mounts hugetlbfs): run it with sudo"
}

tool=${DPDK_HUGEPAGES:-dpdk-hugepages.py}
need_tool() {
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found (apt-get install dpdk)"
}

# kb SIZE: SIZE (e.g. 2G, 512M, 2048K, 1073741824) in kB
kb() {
	local n=${1%[KkMmGg]} u=${1: -1}
	[[ $n =~ ^[0-9]+$ ]] || die "'$1' is not a size (e.g. 2G, 512M)"
	case $u in
	[Kk]) echo "$n" ;;
	[Mm]) echo $((n * 1024)) ;;
	[Gg]) echo $((n * 1024 * 1024)) ;;
	*) echo $((n / 1024)) ;;
	esac
}

# pages_dirs PAGE_KB [NODE]: the nr_hugepages files setup would write
pages_dirs() {
	local d
	if [ -n "${2:-}" ]; then
		echo "/sys/devices/system/node/node$2/hugepages/hugepages-${1}kB"
	elif [ -d /sys/devices/system/node ]; then
		for d in /sys/devices/system/node/node*/hugepages/hugepages-"${1}"kB; do
			[ -d "$d" ] && echo "$d"
		done
	else
		echo "/sys/kernel/mm/hugepages/hugepages-${1}kB"
	fi
}

setup() {
	local size='' pagesize='' node='' page_kb want_kb pages d have short=yes mnt
	while [ $# -gt 0 ]; do
		case $1 in
		--pagesize | -p)
			[ $# -ge 2 ] || die "$1 needs a value"
			pagesize=$2; shift 2 ;;
		--node | -n)
			[ $# -ge 2 ] || die "$1 needs a value"
			[[ $2 =~ ^[0-9]+$ ]] || die "--node: '$2' is not a node number"
			node=$2; shift 2 ;;
		-*) die "unknown option '$1' (try --help)" ;;
		*)
			[ -z "$size" ] || die "unexpected argument '$1' (try --help)"
			size=$1; shift ;;
		esac
	done
	[ -n "$size" ] || die "setup needs a SIZE, e.g. '$prog setup 2G'"
	want_kb=$(kb "$size")
	if [ -n "$pagesize" ]; then
		page_kb=$(kb "$pagesize")
	else
		page_kb=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)
	fi
	[ -n "$page_kb" ] && [ "$page_kb" -gt 0 ] || die "no hugepage support in this kernel"
	[ $((want_kb % page_kb)) -eq 0 ] ||
		die "$size is not a multiple of the page size (${page_kb} kB)"
	pages=$((want_kb / page_kb))
	need_root setup
	need_tool
	[ -n "$node" ] && [ ! -d "/sys/devices/system/node/node$node" ] &&
		die "no NUMA node $node"
	short=no
	for d in $(pages_dirs "$page_kb" "$node"); do
		[ -r "$d/nr_hugepages" ] ||
			die "no ${page_kb} kB hugepages here ($d): try another --pagesize"
		have=$(cat "$d/nr_hugepages")
		[ "$have" -ge "$pages" ] || short=yes
	done
	# The default page size mounts on /dev/hugepages (systemd usually has
	# already); another size needs a mount of its own, or EAL ignores it.
	mnt=/dev/hugepages
	if [ "$page_kb" != "$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)" ]; then
		if [ "$page_kb" -ge 1048576 ]; then
			mnt=/dev/hugepages-$((page_kb / 1048576))G
		else
			mnt=/dev/hugepages-$((page_kb / 1024))M
		fi
	fi
	mkdir -p "$mnt"
	local args=(--pagesize "${page_kb}K" --directory "$mnt" --mount)
	[ -n "$node" ] && args+=(--node "$node")
	if [ "$short" = yes ]; then
		echo "$prog: reserving $pages pages of ${page_kb} kB" \
			"(${size}) on ${node:+node }${node:-every node}"
		args+=(--reserve "${want_kb}K")
	else
		echo "$prog: ${size} of ${page_kb} kB pages already reserved"
	fi
	"$tool" "${args[@]}"
	"$tool" --show
	# dpdk-hugepages.py does not report a failed mount.
	awk -v m="$mnt" '$2 == m && $3 == "hugetlbfs" { found = 1 } END { exit !found }' \
		/proc/mounts || die "hugetlbfs not mounted on $mnt (see above)"
}

case ${1:-} in
-h | --help) usage ;;
show)
	[ $# -eq 1 ] || die "show takes no argument"
	need_tool
	"$tool" --show
	;;
clear)
	[ $# -eq 1 ] || die "clear takes no argument"
	need_root clear
	need_tool
	# Every hugetlbfs setup mounted (/dev/hugepages, /dev/hugepages-1G).
	for m in $(awk '$3 == "hugetlbfs" && $2 ~ "^/dev/hugepages" { print $2 }' /proc/mounts); do
		"$tool" --unmount --directory "$m"
	done
	"$tool" --clear
	"$tool" --show
	;;
setup)
	shift
	setup "$@"
	;;
'')
	usage >&2
	exit 2
	;;
*)
	die "unknown command '$1' (try --help)"
	;;
esac
