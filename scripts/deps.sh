#!/usr/bin/env bash
# Install the Debian 12 packages wiremask needs to build, run and test,
# only those that are missing. Sourced by run.sh and test.sh (or run on its
# own). Needs root, or sudo.
set -euo pipefail

WM_PACKAGES=(
	libdpdk-dev dpdk dpdk-dev libhyperscan-dev libconfig-dev libssl-dev
	meson ninja-build pkg-config gcc libpcap-dev tshark python3-scapy
	# lib/proto: HTTP/1.x framing
	libhttp-parser-dev
	# lib/detect: phone numbers against numbering-plan metadata
	# (libphonenumber, C++, behind lib/detect/phone_meta.h)
	libphonenumber-dev g++
	# scripts/test.sh --sanitize, scripts/fuzz.sh: clang with ASan, UBSan
	# and libFuzzer (the runtimes are in libclang-rt-dev)
	clang libclang-rt-dev
	# tests/deploy: the Kubernetes manifests' YAML and schemas
	python3-yaml python3-jsonschema python3-kubernetes
	# tests/link: tap links in a network namespace (ip); systemd-analyze
	# verifies configs/systemd/wiremask.service
	iproute2 systemd
	# tests/netns (scripts/netns-demo.sh): real traffic between network
	# namespaces (ip, ethtool on the veths, curl as the client)
	ethtool curl
	# its phase proto: a real SSH server and client through wiremask
	openssh-server openssh-client
	# its phases redis and mqtt: real servers and clients of the
	# protocols lib/proto frames (redis-server brings redis-cli)
	redis-server mosquitto mosquitto-clients
	# its phase pg: a real PostgreSQL 15 cluster (initdb, postgres, psql)
	# and two Python clients (psycopg 3 sends parameters in Bind)
	postgresql python3-psycopg python3-psycopg2
	# its phase kafka: kcat (librdkafka) and python3-kafka as producers
	# and consumers, against tests/netns/kafka_broker.py
	kcat python3-kafka
	# the Prometheus endpoint (libmicrohttpd); tests/e2e/metrics_case.py
	# and tests/unit/check_exposition.py parse what it serves
	libmicrohttpd-dev python3-prometheus-client
)

wm_pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# wm_install_deps [EXTRA_PACKAGE...]: WM_PACKAGES and the extras given.
wm_install_deps() {
	local missing=() p sudo=()
	for p in "${WM_PACKAGES[@]}" "$@"; do
		wm_pkg_installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=(sudo)
		else
			echo "deps: missing ${missing[*]} and not root (no sudo)" >&2
			return 1
		fi
	fi
	echo "deps: installing ${missing[*]}"
	# tshark asks whether non-root users may capture: answer no, quietly.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
		"${sudo[@]}" debconf-set-selections
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	wm_install_deps
fi

# wm_install_suricata: Suricata 7 from bookworm-backports, the peer
# scripts/bench.sh --peer measures beside wiremask (never needed by the
# build or the tests). The backports suite comes from the mirror the
# system's Debian sources already use.
wm_install_suricata() {
	local sudo=() list=/etc/apt/sources.list.d/wiremask-backports.sources uri
	if command -v suricata >/dev/null 2>&1; then
		return 0
	fi
	[ "$(id -u)" -ne 0 ] && sudo=(sudo)
	uri=$(sed -n 's/^URIs: *\(.*\/debian\)$/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb \([^ ]*\/debian\) bookworm .*/\1/p' \
		/etc/apt/sources.list 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=http://deb.debian.org/debian
	if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"$uri" | "${sudo[@]}" tee "$list" >/dev/null
	fi
	"${sudo[@]}" apt-get update -q
	# suricata: the IDS engine people use today, single-threaded here
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q -t bookworm-backports --no-install-recommends suricata
}
