#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Container entrypoint: turns what Kubernetes hands the pod into wiremask's
# EAL arguments, then execs wiremask (PID 1, so SIGTERM reaches it and it
# flushes what it holds before the pod goes):
#   - the VF PCI addresses the SR-IOV device plugin puts in
#     PCIDEVICE_<RESOURCE> (PCIDEVICE_OPENSHIFT_IO_WIREMASK_VF for
#     openshift.io/wiremask_vf)                      -> -a ADDR ...
#   - the exclusive CPUs the static CPU manager gave the container, read
#     from this process's affinity                   -> --lcores 0@C0,1@C1,..
#     (lcore 0, the first CPU, is the control lcore; the others are workers)
#   - the hugepage emptyDir                          -> --in-memory --huge-dir
#   - the status file the probes read                -> --status-file
#
# Usage: wiremask-entrypoint [EAL-ARGS ...] -- [WIREMASK-ARGS ...]
#        wiremask-entrypoint [WIREMASK-ARGS ...]   (no "--": all are wiremask's)
#        wiremask-entrypoint --check-config FILE | --help | --version
# Arguments given win over the generated ones: -a/--allow, --vdev or
# --no-pci disable the PCI lookup, -l/-c/--lcores the CPU lookup, --no-huge
# the hugepage ones; -c/--config and --status-file after "--" replace the
# defaults.
#
# Environment (all optional):
#   WIREMASK_PCI          VF PCI addresses, comma or space separated
#   WIREMASK_PCI_ENV      variable holding them (PCIDEVICE_OPENSHIFT_IO_WIREMASK_VF);
#                         when unset, every PCIDEVICE_* variable is used
#   WIREMASK_LCORES       CPU list to use instead of the affinity ("2-4,7")
#   WIREMASK_MEM_MB       hugepage memory to reserve at start (-m), e.g. the
#                         pod's hugepage limit through the downward API
#   WIREMASK_HUGE_DIR     hugetlbfs mount (/dev/hugepages)
#   WIREMASK_CONFIG       configuration file (/etc/wiremask/wiremask.cfg)
#   WIREMASK_STATUS_FILE  status file for the probes (/run/wiremask/status.json);
#                         empty: none
#   WIREMASK_EAL_ARGS     more EAL arguments, split on blanks
#   WIREMASK_BIN          the binary (/usr/local/bin/wiremask)
#   WIREMASK_DRY_RUN=1    print the command, one argument a line, and exit
set -eu
set -f  # WIREMASK_EAL_ARGS is split on blanks, never globbed

bin=${WIREMASK_BIN:-/usr/local/bin/wiremask}
config=${WIREMASK_CONFIG:-/etc/wiremask/wiremask.cfg}
status=${WIREMASK_STATUS_FILE-/run/wiremask/status.json}
huge_dir=${WIREMASK_HUGE_DIR:-/dev/hugepages}

say() { printf 'wiremask-entrypoint: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

# Field $1 of /proc/self/status ("CapBnd", "NoNewPrivs", ...); empty
# when /proc is not there.
proc_status() {
	sed -n "s/^$1:[[:space:]]*//p" /proc/self/status 2>/dev/null || true
}

# Is capability bit $1 set in the hex mask $2? (bit 14: CAP_IPC_LOCK)
cap_has() {
	[ -n "$2" ] && [ $(( (0x$2 >> $1) & 1 )) -eq 1 ]
}

# The binary carries the file capability cap_ipc_lock+ep (VFIO pins the
# hugepages it maps for DMA: without CAP_IPC_LOCK that counts against
# RLIMIT_MEMLOCK and fails). The kernel refuses to exec such a binary when
# the capability is not in the bounding set (docker run without --cap-add
# IPC_LOCK), so then run it through the dynamic loader, which ignores
# file capabilities: fine for --check-config, --help and vdev tests.
exec_wiremask() {
	if [ "${WIREMASK_DRY_RUN:-0}" = 1 ]; then
		printf '%s\n' "$bin" "$@"
		exit 0
	fi
	if ! cap_has 14 "$(proc_status CapBnd)" && [ "$(id -u)" != 0 ]; then
		for ld in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
			if [ -x "$ld" ]; then
				exec "$ld" "$bin" "$@"
			fi
		done
	fi
	exec "$bin" "$@"
}

# Commands that need no EAL: straight through.
for a in "$@"; do
	case $a in
	--check-config|--check-config=*|-h|--help|-V|--version)
		exec_wiremask "$@" ;;
	esac
done

# Without "--" every argument is wiremask's own.
dd=0
for a in "$@"; do
	if [ "$a" = -- ]; then
		dd=1
		break
	fi
done
if [ $dd = 0 ]; then
	set -- -- "$@"
fi

# What the given arguments already settle.
user_dev=0 user_cpu=0 user_nohuge=0 user_mem=0 user_cfg=0 user_status=0
user_hugedir=0 user_inmem=0
side=eal
for a in "$@"; do
	if [ "$a" = -- ] && [ $side = eal ]; then
		side=app
		continue
	fi
	case $side:$a in
	eal:-a|eal:-a*|eal:--allow|eal:--allow=*|eal:-b|eal:--block*) user_dev=1 ;;
	eal:--vdev|eal:--vdev=*|eal:--no-pci) user_dev=1 ;;
	eal:-l|eal:-l*|eal:-c|eal:-c*|eal:--lcores|eal:--lcores=*) user_cpu=1 ;;
	eal:--no-huge) user_nohuge=1 ;;
	eal:-m|eal:-m*|eal:--socket-mem|eal:--socket-mem=*) user_mem=1 ;;
	eal:--huge-dir|eal:--huge-dir=*) user_hugedir=1 ;;
	eal:--in-memory) user_inmem=1 ;;
	app:-c|app:-c*|app:--config|app:--config=*) user_cfg=1 ;;
	app:--status-file|app:--status-file=*) user_status=1 ;;
	esac
done
if [ -n "${WIREMASK_EAL_ARGS:-}" ]; then
	# shellcheck disable=SC2086 # split on purpose
	for a in $WIREMASK_EAL_ARGS; do
		case $a in
		-a|-a*|--allow*|--vdev*|--no-pci) user_dev=1 ;;
		-l|-l*|--lcores*) user_cpu=1 ;;
		--no-huge) user_nohuge=1 ;;
		-m|-m*|--socket-mem*) user_mem=1 ;;
		--huge-dir*) user_hugedir=1 ;;
		--in-memory) user_inmem=1 ;;
		esac
	done
fi

gen=""  # generated EAL arguments: no blanks in any of them

# --- VF PCI addresses ---------------------------------------------------
pci=${WIREMASK_PCI:-}
if [ -z "$pci" ]; then
	name=${WIREMASK_PCI_ENV:-PCIDEVICE_OPENSHIFT_IO_WIREMASK_VF}
	case $name in
	*[!A-Za-z0-9_]*|'') die "WIREMASK_PCI_ENV: not a variable name: $name" ;;
	esac
	eval "pci=\${$name:-}"
	if [ -z "$pci" ] && [ -z "${WIREMASK_PCI_ENV:-}" ]; then
		# Another resource name: take what the device plugin set.
		pci=$(env | sed -n 's/^PCIDEVICE_[A-Z0-9_]*=//p' | tr '\n' ',')
	fi
fi
npci=0
for addr in $(printf '%s' "$pci" | tr ',' ' '); do
	case $addr in
	[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]:[0-9a-fA-F][0-9a-fA-F]:[0-9a-fA-F][0-9a-fA-F].[0-7])
		;;
	*) die "not a PCI address: '$addr' (from the SR-IOV device plugin's PCIDEVICE_* variable or WIREMASK_PCI)" ;;
	esac
	gen="$gen -a $addr"
	npci=$((npci + 1))
done
if [ $npci = 0 ] && [ $user_dev = 0 ]; then
	die "no VF: ${WIREMASK_PCI_ENV:-PCIDEVICE_OPENSHIFT_IO_WIREMASK_VF} is empty (does the pod request the SR-IOV resource?); set WIREMASK_PCI, or pass -a, --vdev or --no-pci"
fi

# --- CPUs -> lcores -------------------------------------------------------
# The CPUs this process may run on are the container's cpuset: with the
# static CPU manager and integer CPUs in a Guaranteed pod, the exclusive
# ones. lcore ids are renumbered 0..N-1 (--lcores I@CPU) so a CPU id above
# DPDK's RTE_MAX_LCORE still works.
cpu_list() {
	if [ -n "${WIREMASK_LCORES:-}" ]; then
		printf '%s\n' "$WIREMASK_LCORES"
		return
	fi
	l=$(proc_status Cpus_allowed_list)
	if [ -z "$l" ]; then
		for f in /sys/fs/cgroup/cpuset.cpus.effective \
			 /sys/fs/cgroup/cpuset/cpuset.effective_cpus; do
			if [ -r "$f" ]; then
				l=$(cat "$f")
				break
			fi
		done
	fi
	printf '%s\n' "$l"
}

if [ $user_cpu = 0 ]; then
	list=$(cpu_list)
	lcores="" ncpu=0
	for part in $(printf '%s' "$list" | tr ',' ' '); do
		case $part in
		*-*) lo=${part%-*} hi=${part#*-} ;;
		*) lo=$part hi=$part ;;
		esac
		case "$lo:$hi" in
		:*|*:|*[!0-9:]*) die "cannot read the CPU list '$list'" ;;
		esac
		c=$lo
		while [ "$c" -le "$hi" ]; do
			lcores="$lcores${lcores:+,}$ncpu@$c"
			ncpu=$((ncpu + 1))
			c=$((c + 1))
		done
	done
	case $ncpu in
	0) die "no CPU found (Cpus_allowed_list in /proc/self/status, the cpuset cgroup); set WIREMASK_LCORES or pass -l" ;;
	1)
		# A control lcore beside one worker: with a single CPU both share
		# it; the control loop sleeps most of the time. Give the pod
		# 2 CPUs or more for a worker of its own.
		c=${lcores#0@}
		lcores="0@$c,1@$c"
		say "one CPU ($c): the control lcore shares it with the worker; request 2 CPUs or more"
		;;
	esac
	gen="$gen --lcores $lcores --main-lcore 0"
fi

# --- memory ---------------------------------------------------------------
if [ $user_nohuge = 0 ]; then
	# No files in /var/run/dpdk, nothing shared with other processes.
	[ $user_inmem = 1 ] || gen="$gen --in-memory"
	if [ $user_hugedir = 0 ] && [ -d "$huge_dir" ] &&
	   grep -qs "^[^ ]* $huge_dir hugetlbfs " /proc/mounts; then
		gen="$gen --huge-dir $huge_dir"
	fi
	if [ $user_mem = 0 ] && [ -n "${WIREMASK_MEM_MB:-}" ]; then
		case $WIREMASK_MEM_MB in
		*[!0-9]*) die "WIREMASK_MEM_MB: not a number of MB: $WIREMASK_MEM_MB" ;;
		esac
		# Reserve it all at start: a pod short of hugepages fails now,
		# not under load.
		[ "$WIREMASK_MEM_MB" -gt 0 ] && gen="$gen -m $WIREMASK_MEM_MB"
	fi
fi

# --- privileges: say early what will fail ---------------------------------
if [ "$(id -u)" != 0 ] && [ $npci -gt 0 ]; then
	# shellcheck disable=SC3045 # dash (debian-slim's sh) has ulimit -l
	memlock=$(ulimit -l 2>/dev/null || echo unknown)
	if ! cap_has 14 "$(proc_status CapBnd)"; then
		say "CAP_IPC_LOCK is not granted to the container (securityContext.capabilities.add: [IPC_LOCK]; docker run --cap-add IPC_LOCK): VFIO cannot pin memory beyond RLIMIT_MEMLOCK ($memlock KB)"
	elif [ "$(proc_status NoNewPrivs)" = 1 ]; then
		say "no_new_privs is set (allowPrivilegeEscalation: false): the kernel will not grant wiremask its file capability CAP_IPC_LOCK; VFIO cannot pin memory beyond RLIMIT_MEMLOCK ($memlock KB)"
	fi
fi

# --- the command ----------------------------------------------------------
# generated EAL args, WIREMASK_EAL_ARGS, the given EAL args, --, the
# defaults, the given wiremask args. The given args are rotated behind
# the generated ones through "$@" (POSIX sh has no arrays).
n=$#
# shellcheck disable=SC2086 # no blanks inside a generated word
set -- "$@" $gen ${WIREMASK_EAL_ARGS:-}
i=0
seen=0
while [ $i -lt $n ]; do
	a=$1
	shift
	if [ "$a" = -- ] && [ $seen = 0 ]; then
		seen=1
		set -- "$@" --
		[ $user_cfg = 1 ] || set -- "$@" -c "$config"
		if [ $user_status = 0 ] && [ -n "$status" ]; then
			set -- "$@" --status-file "$status"
		fi
	else
		set -- "$@" "$a"
	fi
	i=$((i + 1))
done
exec_wiremask "$@"
