#!/usr/bin/env bash
# Bind NICs to vfio-pci for wiremask, and give them back to their kernel
# driver afterwards (a wrapper of DPDK's dpdk-devbind.py, Debian package
# "dpdk").
set -euo pipefail

prog=$(basename "$0")
state_dir=${WIREMASK_STATE_DIR:-/var/lib/wiremask}
state=$state_dir/nics
tool=${DPDK_DEVBIND:-dpdk-devbind.py}

usage() {
	cat <<EOF2
usage: $prog status
       $prog bind [--driver DRIVER] [--noiommu] DEV...
       $prog restore [DEV...]
       $prog -h | --help

  DEV       a PCI address (0000:03:00.0 or 03:00.0) or, before binding, a
            kernel interface name (eth1). Use PCI addresses in scripts:
            an interface name disappears once the NIC is bound.
  status    NICs and their drivers (dpdk-devbind.py --status-dev net) and
            the kernel drivers recorded by bind
  bind      load the driver module and bind each DEV to it (default
            vfio-pci; uio_pci_generic for NICs/hosts without IOMMU
            support), recording the kernel driver it had in
            $state. Refuses a NIC whose interface is up or has
            routes (take it down first: ip link set IF down): that is how
            the management interface is kept from being taken away.
            A DEV already bound to DRIVER is left as it is, so bind is
            safe at every start (systemd ExecStartPre).
  restore   bind each DEV (every recorded one when none is given) back to
            the kernel driver recorded at bind time; a DEV with nothing
            recorded is unbound. "unbind" is the same command.

  --driver DRIVER   vfio-pci (default) or uio_pci_generic
  --noiommu         vfio-pci without an IOMMU: sets vfio's
                    enable_unsafe_noiommu_mode (no DMA protection: the
                    NIC can write anywhere in memory). Prefer enabling
                    the IOMMU: VT-d / AMD-Vi in the firmware and
                    intel_iommu=on iommu=pt on the kernel command line.

Environment: WIREMASK_STATE_DIR (default /var/lib/wiremask), DPDK_DEVBIND
(default dpdk-devbind.py). Needs root, except status and --help.
EOF2
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

need_root() {
	[ "$(id -u)" -eq 0 ] ||
		die "$1 needs root (binds PCI devices to drivers): run it with sudo"
}

need_tool() {
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install dpdk)"
}

PCI_RE='^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$'

# iface_pci IF: the PCI device under interface IF (a virtio NIC has a
# virtio device in between), or nothing
iface_pci() {
	local a
	[ -e "/sys/class/net/$1/device" ] || return 0
	a=$(readlink -f "/sys/class/net/$1/device")
	while [ "$a" != / ] && ! [[ $(basename "$a") =~ $PCI_RE ]]; do
		a=$(dirname "$a")
	done
	[ "$a" = / ] || basename "$a"
}

# pci DEV: the full PCI address of DEV (address or interface name)
pci() {
	local d=$1 a
	if [ -e "/sys/class/net/$d" ]; then
		a=$(iface_pci "$d")
		[ -n "$a" ] || die "$d: not a PCI network device (virtual or not on PCI)"
		echo "$a"
		return
	fi
	[[ $d =~ ^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$ ]] ||
		die "$d: neither a PCI address (0000:03:00.0) nor a network interface"
	[[ $d =~ ^[0-9a-fA-F]{4}: ]] || d=0000:$d
	d=${d,,}
	[ -d "/sys/bus/pci/devices/$d" ] || die "$d: no such PCI device"
	echo "$d"
}

driver_of() {	# driver_of PCI: its driver's name, or nothing
	local l=/sys/bus/pci/devices/$1/driver
	[ -e "$l" ] && basename "$(readlink -f "$l")"
	return 0
}

ifaces_of() {	# ifaces_of PCI: its kernel interfaces
	local n
	for n in /sys/class/net/*; do
		n=$(basename "$n")
		[ "$(iface_pci "$n")" = "$1" ] && echo "$n"
	done
	return 0
}

# Refuse a NIC that carries traffic for the host.
check_unused() {	# check_unused PCI
	local n flags
	for n in $(ifaces_of "$1"); do
		flags=$(cat "/sys/class/net/$n/flags")
		if (((flags & 0x1) != 0)); then
			die "$1 ($n): interface is up; take it down first (ip link set $n down)." \
				"Is it the management interface?"
		fi
		if [ -n "$(ip -o route show dev "$n" 2>/dev/null; ip -6 -o route show dev "$n" 2>/dev/null)" ]; then
			die "$1 ($n): interface has routes; remove them first (ip route show dev $n)"
		fi
	done
}

record() {	# record PCI DRIVER: remember DRIVER as PCI's kernel driver
	mkdir -p "$state_dir"
	touch "$state"
	{ grep -v "^$1 " "$state" || true; echo "$1 $2"; } >"$state.tmp"
	mv "$state.tmp" "$state"
}

recorded() {	# recorded PCI: the recorded driver ("-": none), or nothing
	[ -f "$state" ] && awk -v p="$1" '$1 == p { print $2 }' "$state"
	return 0
}

forget() {	# forget PCI
	[ -f "$state" ] || return 0
	{ grep -v "^$1 " "$state" || true; } >"$state.tmp"
	mv "$state.tmp" "$state"
}

load_driver() {	# load_driver DRIVER NOIOMMU
	modprobe "$1" || die "modprobe $1 failed"
	[ "$1" = vfio-pci ] || return 0
	if [ -z "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then
		if [ "$2" = yes ]; then
			echo "$prog: warning: no IOMMU: vfio-pci in unsafe no-IOMMU mode" \
				"(no DMA protection)" >&2
			echo 1 >/sys/module/vfio/parameters/enable_unsafe_noiommu_mode
		else
			die "no IOMMU groups: vfio-pci needs the IOMMU (VT-d / AMD-Vi on in" \
				"the firmware, intel_iommu=on iommu=pt on the kernel command line);" \
				"or use --noiommu (unsafe) or --driver uio_pci_generic"
		fi
	fi
}

bind() {
	local driver=vfio-pci noiommu=no devs=() d p cur
	while [ $# -gt 0 ]; do
		case $1 in
		--driver)
			[ $# -ge 2 ] || die "--driver needs a value"
			driver=$2; shift 2 ;;
		--driver=*) driver=${1#--driver=}; shift ;;
		--noiommu) noiommu=yes; shift ;;
		-*) die "unknown option '$1' (try --help)" ;;
		*) devs+=("$1"); shift ;;
		esac
	done
	case $driver in
	vfio-pci | uio_pci_generic) ;;
	*) die "--driver: want vfio-pci or uio_pci_generic, got '$driver'" ;;
	esac
	[ ${#devs[@]} -gt 0 ] || die "bind needs at least one DEV (try --help)"
	need_root bind
	need_tool
	local pcis=()
	for d in "${devs[@]}"; do
		p=$(pci "$d")
		cur=$(driver_of "$p")
		[ "$cur" = "$driver" ] || check_unused "$p"
		pcis+=("$p")
	done
	load_driver "$driver" "$noiommu"
	for p in "${pcis[@]}"; do
		cur=$(driver_of "$p")
		if [ "$cur" = "$driver" ]; then
			echo "$prog: $p already bound to $driver"
			continue
		fi
		# The first bind records the kernel driver; a later one (after a
		# restore to another driver) records that one.
		record "$p" "${cur:--}"
		echo "$prog: $p: ${cur:-no driver} -> $driver"
		"$tool" --bind="$driver" "$p"
		[ "$(driver_of "$p")" = "$driver" ] ||
			die "$p: still not bound to $driver (see above; dmesg may say why)"
	done
}

restore() {
	local devs=("$@") d p drv
	need_root restore
	need_tool
	if [ ${#devs[@]} -eq 0 ]; then
		[ -s "$state" ] || die "nothing recorded in $state: name the DEVs to unbind"
		mapfile -t devs < <(awk '{ print $1 }' "$state")
	fi
	for d in "${devs[@]}"; do
		p=$(pci "$d")
		drv=$(recorded "$p")
		if [ -z "$drv" ] || [ "$drv" = - ]; then
			echo "$prog: $p: no kernel driver recorded: unbinding"
			"$tool" -u "$p"
		elif [ "$(driver_of "$p")" = "$drv" ]; then
			echo "$prog: $p already bound to $drv"
		else
			echo "$prog: $p: $(driver_of "$p") -> $drv"
			modprobe "$drv" 2>/dev/null || true
			"$tool" --bind="$drv" "$p"
		fi
		forget "$p"
	done
}

case ${1:-} in
-h | --help) usage ;;
status)
	[ $# -eq 1 ] || die "status takes no argument"
	need_tool
	"$tool" --status-dev net
	if [ -s "$state" ]; then
		echo
		echo "Kernel drivers recorded by $prog bind ($state):"
		sed 's/^/  /' "$state"
	fi
	;;
bind)
	shift
	bind "$@"
	;;
restore | unbind)
	shift
	restore "$@"
	;;
'')
	usage >&2
	exit 2
	;;
*)
	die "unknown command '$1' (try --help)"
	;;
esac
