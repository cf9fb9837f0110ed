#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The container image's runtime stage without a container engine: a
# Debian 12 minbase root (what debian:12-slim is made of) from debootstrap,
# the runtime packages read from the Containerfile installed in it, then
# the built wiremask, the two scripts and setcap as the Containerfile does.
# Run as uid 10001 under chroot: --check-config, and a one-VF run through
# the entrypoint on a net_pcap port (every PMD plugin in the image must
# load, the mempool driver must be there, a non-root EAL must start).
#
# Usage: tests/deploy/rootfs_smoke.sh BUILD_DIR [WORK_DIR]
# Needs root (chroot, mounts), debootstrap and the Debian mirror; takes a
# few minutes and ~400 MB the first time (the root is kept in WORK_DIR,
# default BUILD_DIR/rootfs-smoke, and reused). Not part of meson test.
# Exit 0 ok, 1 failure, 77 skip.
set -euo pipefail

src=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
build=$(cd "${1:?usage: rootfs_smoke.sh BUILD_DIR [WORK_DIR]}" && pwd)
work=${2:-$build/rootfs-smoke}
root=$work/rootfs
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (debootstrap, chroot)"
	exit 77
fi
if ! command -v debootstrap >/dev/null; then
	echo "SKIP: debootstrap not installed (apt-get install debootstrap)"
	exit 77
fi
if [ ! -x "$build/app/wiremask" ]; then
	echo "FAIL: $build/app/wiremask not built"
	exit 1
fi

# The runtime stage's package list, as the checker parses it.
pkgs=$(cd "$src" && /usr/bin/python3 -c '
import sys
sys.path.insert(0, "tests/deploy")
import k8s_lib as K
_, stages = K.parse_containerfile(open("Containerfile").read())
print(" ".join(K.apt_installs(stages[-1])))')
echo "runtime packages: $pkgs"

mkdir -p "$work"
if [ ! -x "$root/usr/bin/apt-get" ]; then
	debootstrap --variant=minbase bookworm "$root" "$mirror"
fi

mounted=()
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
nr_orig=""
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null || true
	done
	if [ -n "$nr_orig" ]; then
		echo "$nr_orig" >"$nr" || true
	fi
}
trap cleanup EXIT
for m in proc sys dev; do
	case $m in
	proc) mount -t proc proc "$root/proc" ;;
	sys) mount -t sysfs sysfs "$root/sys" ;;
	dev) mount --bind /dev "$root/dev" ;;
	esac
	mounted+=("$root/$m")
done

in_root() { chroot "$root" "$@"; }
# shellcheck disable=SC2086 # a list of package names
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends $pkgs >"$work/apt.log" 2>&1 ||
	{ tail -20 "$work/apt.log"; echo "FAIL: apt-get install"; exit 1; }
in_root getent group wiremask >/dev/null || in_root groupadd --gid 10001 wiremask
in_root getent passwd wiremask >/dev/null ||
	in_root useradd --uid 10001 --gid 10001 --no-create-home \
		--home-dir /nonexistent --shell /usr/sbin/nologin wiremask

# The COPY and RUN lines of the runtime stage.
install -D -m 0755 "$build/app/wiremask" "$root/usr/local/bin/wiremask"
strip "$root/usr/local/bin/wiremask" 2>/dev/null || true
install -m 0755 "$src/scripts/container-entrypoint.sh" "$root/usr/local/bin/wiremask-entrypoint"
install -m 0755 "$src/scripts/wiremask-probe.sh" "$root/usr/local/bin/wiremask-probe"
install -D -m 0644 "$src/configs/default.cfg" "$root/etc/wiremask/wiremask.cfg"
in_root setcap cap_ipc_lock+ep /usr/local/bin/wiremask
in_root install -d -o 10001 -g 10001 -m 0750 /run/wiremask

fail=0
check() {
	if "$@"; then
		echo "ok   ${desc}"
	else
		echo "FAIL ${desc}"
		fail=1
	fi
}

desc="every library of wiremask resolves in the image"
check bash -c "! chroot '$root' ldd /usr/local/bin/wiremask | grep -q 'not found'"

as_user() {
	chroot --userspec=10001:10001 "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		XDG_RUNTIME_DIR=/run/wiremask "$@"
}
desc="--check-config /etc/wiremask/wiremask.cfg as uid 10001"
check bash -c "$(declare -f as_user); root='$root'; as_user /usr/local/bin/wiremask-entrypoint --check-config /etc/wiremask/wiremask.cfg >'$work/check.log' 2>&1"

# One-VF run: the ConfigMap's config on one pcap port paired with itself.
(cd "$src" && /usr/bin/python3 -c '
import sys, yaml
d = yaml.safe_load(open("configs/k8s/one-vf/configmap.yaml"))
sys.stdout.write(d["data"]["wiremask.cfg"])') >"$root/etc/wiremask/one-vf.cfg"
install -m 0644 "$src/configs/samples/sample-http.pcap" "$root/run/wiremask/in.pcap"
rm -f "$root/run/wiremask/out.pcap"
desc="one-VF pcap run through the entrypoint as uid 10001"
check bash -c "$(declare -f as_user); root='$root'; as_user \
	WIREMASK_CONFIG=/etc/wiremask/one-vf.cfg \
	WIREMASK_STATUS_FILE=/run/wiremask/status.json \
	/usr/local/bin/wiremask-entrypoint --no-huge -m 512 --no-pci \
	--vdev net_pcap0,rx_pcap=/run/wiremask/in.pcap,tx_pcap=/run/wiremask/out.pcap \
	-- --idle-exit 1500 >'$work/run.log' 2>&1"
desc="the run wrote every frame back out"
check cmp -s <(/usr/bin/python3 -c 'import os,sys; print(os.path.getsize(sys.argv[1]))' "$root/run/wiremask/in.pcap") \
	<(/usr/bin/python3 -c 'import os,sys; print(os.path.getsize(sys.argv[1]))' "$root/run/wiremask/out.pcap")
desc="no plugin failed to load"
check bash -c "! grep -qiE 'cannot open shared object|Cannot init plugins' '$work/run.log'"

# As in a pod: 2 MB hugepages on a hugetlbfs the user can write (what
# fsGroup does to the emptyDir), the EAL arguments the entrypoint makes
# for it (--in-memory --huge-dir, -m from WIREMASK_MEM_MB). The pages are
# reserved for the run and given back.
if [ -w "$nr" ]; then
	nr_orig=$(cat "$nr")
	echo $((nr_orig + 128)) >"$nr"
	free=$(cat "${nr%/nr_hugepages}/free_hugepages")
	if [ "$free" -ge 128 ]; then
		mkdir -p "$root/mnt/huge"
		mount -t hugetlbfs -o pagesize=2M,gid=10001,mode=1770 nodev "$root/mnt/huge"
		mounted+=("$root/mnt/huge")
		rm -f "$root/run/wiremask/out.pcap"
		desc="one-VF run on hugepages as uid 10001 (--in-memory --huge-dir -m)"
		check bash -c "$(declare -f as_user); root='$root'; as_user \
			WIREMASK_CONFIG=/etc/wiremask/one-vf.cfg \
			WIREMASK_STATUS_FILE=/run/wiremask/status.json \
			WIREMASK_HUGE_DIR=/mnt/huge WIREMASK_MEM_MB=200 \
			/usr/local/bin/wiremask-entrypoint --no-pci \
			--vdev net_pcap0,rx_pcap=/run/wiremask/in.pcap,tx_pcap=/run/wiremask/out.pcap \
			-- --idle-exit 1000 >'$work/huge.log' 2>&1"
		desc="the hugepage run wrote every frame back out"
		check bash -c "awk '/frames in/ {i=\$3} /frames out/ {o=\$3} END {exit !(i > 0 && i == o)}' '$work/huge.log'"
	else
		echo "skip hugepage run: only $free free 2 MB pages"
	fi
else
	echo "skip hugepage run: cannot reserve 2 MB pages"
fi

if [ $fail != 0 ]; then
	echo "logs: $work/check.log $work/run.log $work/huge.log"
	tail -30 "$work/run.log"
	exit 1
fi
echo "rootfs smoke: ok"
