#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tcx.ko through DKMS, from this tree.
#
#   scripts/dkms.sh sources DIR     copy what DKMS builds from into DIR
#   scripts/dkms.sh install KVER    /usr/src/tcx-VERSION, dkms add, build, install
#   scripts/dkms.sh remove          every tcx version out of DKMS and /usr/src
#   scripts/dkms.sh version         PACKAGE_VERSION of dkms.conf
#
# The module lands in /lib/modules/KVER/updates/dkms/, where modprobe finds
# it, and DKMS rebuilds it for every new kernel (AUTOINSTALL).  A tree
# installed by the tcx-dkms Debian package belongs to dpkg: both commands
# refuse to touch it.

set -eo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
name=tcx

die() { echo "dkms.sh: $*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

version() {
	sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$repo/dkms.conf"
}

# What Kbuild builds from, and nothing else: no objects of an earlier
# in-tree build, no userspace.
do_sources() {
	local dst=${1:?usage: scripts/dkms.sh sources DIR} f
	mkdir -p "$dst"
	install -m 0644 "$repo/Kbuild" "$repo/dkms.conf" "$dst/"
	(cd "$repo" && find module uapi -type f -name '*.[ch]' | sort) | while read -r f; do
		install -D -m 0644 "$repo/$f" "$dst/$f"
	done
}

# dkms.conf is shell; read its BUILD_EXCLUSIVE_KERNEL as DKMS does.
exclusive_kernel() {
	# shellcheck disable=SC1091
	(. "$repo/dkms.conf" && echo "$BUILD_EXCLUSIVE_KERNEL")
}

# DKMS refuses an excluded kernel only with a generic message: say why.
check_kver() {
	local kver=$1 re
	re=$(exclusive_kernel)
	if [ -n "$re" ] && ! [[ $kver =~ $re ]]; then
		die "tcx.ko does not build for $kver: it is built and tested for Debian 12's 6.1 (amd64, cloud-amd64, rt-amd64) only (dkms.conf BUILD_EXCLUSIVE_KERNEL=\"$re\"); 6.6 and later have native tcx"
	fi
	[ -e "/lib/modules/$kver/build/include" ] ||
		die "no kernel headers for $kver in /lib/modules/$kver/build (apt install linux-headers-$kver)"
}

# The source trees that dpkg installed, if any.
dpkg_owned() {
	local d
	for d in /usr/src/"$name"-*; do
		[ -d "$d" ] && dpkg-query -S "$d" >/dev/null 2>&1 && echo "$d"
	done
	return 0
}

refuse_dpkg_owned() {
	local owned
	owned=$(dpkg_owned)
	[ -z "$owned" ] ||
		die "$owned belongs to the tcx-dkms package: use apt, not make dkms-install/dkms-remove"
}

registered_versions() {
	[ -d "/var/lib/dkms/$name" ] || return 0
	find "/var/lib/dkms/$name" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'
}

do_remove() {
	local v d
	refuse_dpkg_owned
	for v in $(registered_versions); do
		as_root dkms remove -m "$name" -v "$v" --all
	done
	as_root rm -rf "/var/lib/dkms/$name"
	for d in /usr/src/"$name"-*; do
		[ -e "$d" ] && as_root rm -rf "$d"
	done
	# DKMS leaves the folders it made; other modules may share them.
	for d in /lib/modules/*/updates/dkms; do
		[ -d "$d" ] && as_root rmdir --ignore-fail-on-non-empty "$d" "${d%/dkms}"
	done
	return 0
}

do_install() {
	local kver=${1:?usage: scripts/dkms.sh install KVER} ver src stage
	ver=$(version)
	[ -n "$ver" ] || die "no PACKAGE_VERSION in $repo/dkms.conf"
	check_kver "$kver"
	command -v dkms >/dev/null || die "dkms is not installed (apt install dkms)"
	refuse_dpkg_owned

	# One version at a time, built from the sources as they are now.
	do_remove
	src=/usr/src/$name-$ver
	stage=$(mktemp -d)
	do_sources "$stage"
	as_root mkdir -p "$src"
	as_root cp -R "$stage/." "$src/"
	rm -rf "$stage"

	as_root dkms add -m "$name" -v "$ver"
	as_root dkms build -m "$name" -v "$ver" -k "$kver"
	as_root dkms install -m "$name" -v "$ver" -k "$kver"
}

case "$1" in
sources)	do_sources "$2" ;;
install)	do_install "$2" ;;
remove)		do_remove ;;
version)	version ;;
*)		die "usage: $0 sources DIR | install KVER | remove | version" ;;
esac
