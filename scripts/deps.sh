#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build and the tests need, and nothing twice.
#
#   scripts/deps.sh [packages|kernel|source|all]   install (default: all)
#   scripts/deps.sh kernel612                      also the 6.12 kernel for the VM
#   scripts/deps.sh backports                      bpftool 7.5, libbpf 1.4 and the 6.12
#                                                  uapi, unpacked (all does it too: the
#                                                  compat selftests build against them)
#   scripts/deps.sh debug                          also what building a kernel needs
#   scripts/deps.sh bench                          also what plotting the benchmarks needs
#   scripts/deps.sh flavours                       also the cloud and rt headers and images
#   scripts/deps.sh flavour-headers                only their headers (make check-build-matrix)
#   scripts/deps.sh image KVER                     unpack linux-image-KVER into the cache
#   scripts/deps.sh fkver generic|cloud|rt         print a flavour's kernel version
#   scripts/deps.sh kver                           print the headers' kernel version
#   scripts/deps.sh env                            print the paths as make variables
#
# Debian packages go onto the host.  The kernel image the VM boots is only
# unpacked into the cache, never installed, and only a few files of
# linux-source-6.1 are extracted there.  The cache is $TCX_CACHE
# (default ~/.cache/tcx-dkms).  Quiet when everything is already there.

set -eo pipefail

TCX_CACHE=${TCX_CACHE:-$HOME/.cache/tcx-dkms}
HEADERS_META=${HEADERS_META:-linux-headers-amd64}

PACKAGES=(
	build-essential linux-headers-amd64 kmod
	qemu-system-x86 busybox-static cpio
	clang llvm lld libbpf-dev libelf-dev zlib1g-dev libjson-c-dev libmnl-dev pkg-config bpftool
	iproute2 iputils-ping nftables jq dkms linux-source-6.1
)

# Only for `make debug-kernel` (a kernel build from linux-source-6.1) and
# `make bench` (the plot; gdb for bench/profile); `make check` needs neither.
DEBUG_PACKAGES=(flex bison bc libssl-dev xz-utils)
BENCH_PACKAGES=(gnuplot-nox gdb)

die() { echo "deps: $*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing_packages() {
	local p st
	for p in "${PACKAGES[@]}"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || echo "$p"
	done
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	echo "deps: apt-get update" >&2
	as_root apt-get update -qq
	apt_updated=1
}

do_packages() {
	local miss
	miss=$(missing_packages)
	[ -z "$miss" ] && return 0
	echo "deps: installing" $miss >&2
	apt_update
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $miss >/dev/null
}

# The headers meta package depends on exactly one versioned headers package;
# the VM must boot the image of that same version.
headers_pkg() {
	dpkg-query -W -f='${Depends}' "$HEADERS_META" 2>/dev/null |
		tr ',' '\n' | sed -n 's/^ *\(linux-headers-[0-9][^ ]*-amd64\).*/\1/p' | head -n1
}

kver() {
	local pkg
	pkg=$(headers_pkg)
	[ -n "$pkg" ] || die "$HEADERS_META is not installed (run scripts/deps.sh packages)"
	echo "${pkg#linux-headers-}"
}

pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null
}

do_kernel() {
	local kv
	kv=$(kver)
	fetch_image "$kv" "$(pkg_version "linux-headers-$kv")"
}

# linux-image-KV at version VER, unpacked into $TCX_CACHE/kernel-KV with
# depmod's index files, unless that version is there already.
fetch_image() {
	local kv=$1 ver=$2 dir=$TCX_CACHE/kernel-$1 dl=$TCX_CACHE/dl-$1 deb iver
	[ -n "$ver" ] || die "no version of linux-image-$kv to fetch"
	[ -f "$dir/.version" ] && [ "$(cat "$dir/.version")" = "$ver" ] && return 0

	echo "deps: fetching linux-image-$kv $ver for the VM" >&2
	rm -rf "$dir" "$dir.tmp" "$dl"
	mkdir -p "$dl"
	if ! (cd "$dl" && apt-get download -qq "linux-image-$kv=$ver" 2>/dev/null); then
		apt_update
		(cd "$dl" && apt-get download -qq "linux-image-$kv=$ver") ||
			die "linux-image-$kv $ver (the version of its headers) cannot be downloaded; upgrade $HEADERS_META so both match"
	fi
	deb=$(ls "$dl"/linux-image-"$kv"_*.deb)
	iver=$(dpkg-deb -f "$deb" Version)
	[ "$iver" = "$ver" ] ||
		die "kernel image $iver does not match headers $ver for $kv"
	mkdir -p "$dir.tmp"
	dpkg-deb -x "$deb" "$dir.tmp"
	/sbin/depmod -b "$dir.tmp" "$kv"
	echo "$ver" >"$dir.tmp/.version"
	mv "$dir.tmp" "$dir"
	rm -rf "$dl"
}

# The second VM kernel: bookworm-backports' 6.12, which has tcx natively, so
# the same tests also run against upstream's implementation.  Backports is
# added for this one download only, through a sources file and an apt state
# of its own in the cache; the host's apt configuration is not touched.
BPO_SUITE=${BPO_SUITE:-bookworm-backports}
BPO_SERIES=${BPO_SERIES:-6.12}

# The host's Debian mirror (deb822 or one-line sources), else deb.debian.org.
debian_mirror() {
	local uri
	uri=$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/*$/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\)\/* .*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | head -n1)
	echo "${uri:-http://deb.debian.org/debian}"
}

bpo_apt() {
	local cmd=$1 root=$TCX_CACHE/apt-bpo
	shift
	"$cmd" -o Dir::Etc::sourcelist="$root/sources.list" \
		-o Dir::Etc::sourceparts=- \
		-o Dir::State="$root/state" -o Dir::State::status=/var/lib/dpkg/status \
		-o Dir::Cache="$root/cache" \
		-o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root "$@"
}

# The backports kernel of the series, as linux-image-VERSION-amd64 names it
# (e.g. 6.12.48+deb12-amd64): the newest of the plain flavour, not -rt or
# -cloud, and not the -unsigned or -dbg packages.
bpo_kernel_pkg() {
	bpo_apt apt-cache pkgnames linux-image-"$BPO_SERIES" 2>/dev/null |
		grep -E "^linux-image-$BPO_SERIES\.[0-9]+(\+[a-z0-9.]+)?-amd64\$" |
		sort -V | tail -n1 || true
}

do_kernel612() {
	local root=$TCX_CACHE/apt-bpo pkg kv ver dir deb
	mkdir -p "$root/state/lists/partial" "$root/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) $BPO_SUITE main" \
		>"$root/sources.list"

	pkg=$(bpo_kernel_pkg)
	if [ -z "$pkg" ] || [ -z "$(find "$root/state/lists" -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
		echo "deps: apt-get update for $BPO_SUITE (private apt state in $root)" >&2
		bpo_apt apt-get update -qq || die "apt-get update of $BPO_SUITE failed"
		pkg=$(bpo_kernel_pkg)
	fi
	[ -n "$pkg" ] || die "no linux-image-$BPO_SERIES.*-amd64 in $BPO_SUITE"
	kv=${pkg#linux-image-}
	ver=$(bpo_apt apt-cache show "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -n1)
	dir=$TCX_CACHE/kernel-$kv
	[ -f "$dir/.version" ] && [ "$(cat "$dir/.version")" = "$ver" ] && return 0

	echo "deps: fetching $pkg $ver from $BPO_SUITE for the VM" >&2
	rm -rf "$dir" "$dir.tmp" "$TCX_CACHE/dl612"
	mkdir -p "$TCX_CACHE/dl612"
	(cd "$TCX_CACHE/dl612" && bpo_apt apt-get download -qq "$pkg=$ver") ||
		die "$pkg $ver cannot be downloaded"
	deb=$(ls "$TCX_CACHE"/dl612/"$pkg"_*.deb)
	mkdir -p "$dir.tmp"
	dpkg-deb -x "$deb" "$dir.tmp"
	/sbin/depmod -b "$dir.tmp" "$kv"
	echo "$ver" >"$dir.tmp/.version"
	mv "$dir.tmp" "$dir"
	rm -rf "$TCX_CACHE/dl612"
}

# Real tcx clients that we did not write, for `make check-compat`:
# bookworm-backports' bpftool (7.5), libbpf 1.4 (shared and static) and the
# 6.12 uapi headers (BPF_TCX_*), unpacked side by side into one tree in the
# cache through the same private apt state as kernel612.  The host keeps its
# own bpftool 7.1, libbpf 1.1 and 6.1 headers.
BACKPORTS_PKGS=(bpftool libbpf1 libbpf-dev linux-libc-dev)

bpo_setup() {
	local root=$TCX_CACHE/apt-bpo

	mkdir -p "$root/state/lists/partial" "$root/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) $BPO_SUITE main" \
		>"$root/sources.list"
}

# The newest version of package $1 that backports has ("" if none).  The
# private state reads the host's dpkg status, so installed versions are
# listed too: only a ~bpo version is backports' own.
bpo_version() {
	bpo_apt apt-cache show "$1" 2>/dev/null | sed -n 's/^Version: //p' |
		grep '~bpo' | sort -V | tail -n1 || true
}

do_backports() {
	local root=$TCX_CACHE/apt-bpo dir=$TCX_CACHE/backports dl=$TCX_CACHE/dl-bpo
	local p ver want=() stamp="" deb

	bpo_setup
	if [ -z "$(find "$root/state/lists" -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
		echo "deps: apt-get update for $BPO_SUITE (private apt state in $root)" >&2
		bpo_apt apt-get update -qq || die "apt-get update of $BPO_SUITE failed"
	fi
	for p in "${BACKPORTS_PKGS[@]}"; do
		ver=$(bpo_version "$p")
		[ -n "$ver" ] || die "no $p in $BPO_SUITE"
		want+=("$p=$ver")
		stamp+="$p=$ver "
	done
	[ -f "$dir/.version" ] && [ "$(cat "$dir/.version")" = "$stamp" ] && return 0

	echo "deps: unpacking ${want[*]} from $BPO_SUITE into $dir" >&2
	rm -rf "$dir.tmp" "$dl"
	mkdir -p "$dl" "$dir.tmp"
	(cd "$dl" && bpo_apt apt-get download -qq "${want[@]}") ||
		die "cannot download ${want[*]}"
	for deb in "$dl"/*.deb; do
		dpkg-deb -x "$deb" "$dir.tmp"
	done
	# libbpf-dev's libbpf.so is a link to the versioned library of libbpf1.
	[ -x "$dir.tmp/usr/sbin/bpftool" ] && [ -e "$dir.tmp/usr/lib/x86_64-linux-gnu/libbpf.so" ] &&
		[ -f "$dir.tmp/usr/lib/x86_64-linux-gnu/libbpf.a" ] ||
		die "the unpacked backports lack bpftool or libbpf"
	echo "$stamp" >"$dir.tmp/.version"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	rm -rf "$dl"
}

SOURCE_FILES=(
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
)

do_source() {
	local tarball sver dir pats=() f
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -f "$tarball" ] || die "$tarball missing (package linux-source-6.1)"
	sver=$(pkg_version linux-source-6.1)
	dir=$TCX_CACHE/linux-source-6.1
	[ -f "$dir/.version" ] && [ "$(cat "$dir/.version")" = "$sver" ] && return 0

	echo "deps: extracting the kselftest harness and checkpatch from linux-source-6.1 $sver" >&2
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	for f in "${SOURCE_FILES[@]}"; do pats+=("*/$f"); done
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1 --wildcards "${pats[@]}"
	for f in "${SOURCE_FILES[@]}"; do
		[ -f "$dir.tmp/$f" ] || die "$f not found in $tarball"
	done
	echo "$sver" >"$dir.tmp/.version"
	mv "$dir.tmp" "$dir"
}

# Debian 12's other flavours of the same ABI as the generic headers:
# cloud (no 9p: tests/vm/run carries the files on a disk image) and rt
# (PREEMPT_RT).  Their headers go onto the host, for the build coverage of
# mk/matrix.mk; their images only into the cache, for the VM.
FLAVOURS=(cloud rt)

flavour_kver() {
	local kv
	kv=$(kver)
	case "$1" in
	generic)	echo "$kv" ;;
	cloud|rt)	echo "${kv%-amd64}-$1-amd64" ;;
	*)		die "unknown flavour $1 (generic, cloud or rt)" ;;
	esac
}

do_flavour_headers() {
	local fkv ver st
	fkv=$(flavour_kver "$1")
	ver=$(pkg_version "linux-headers-$(kver)")
	st=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "linux-headers-$fkv" 2>/dev/null || true)
	[ "$st" = "installed $ver" ] && return 0
	echo "deps: installing linux-headers-$fkv $ver" >&2
	apt_update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "linux-headers-$fkv=$ver" >/dev/null ||
		die "linux-headers-$fkv $ver cannot be installed"
}

# do_flavours [images]: the headers, and with "images" the VM's kernels.
do_flavours() {
	local f
	for f in "${FLAVOURS[@]}"; do
		do_flavour_headers "$f"
		[ "$1" != images ] ||
			fetch_image "$(flavour_kver "$f")" "$(pkg_version "linux-headers-$(kver)")"
	done
}

# Any Debian kernel image by its version string, at the version apt would
# install (the point-release check of tests/packaging/upgrade).
do_image() {
	local kv=${1:?usage: scripts/deps.sh image KVER} ver
	ver=$(apt-cache policy "linux-image-$kv" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt_update
		ver=$(apt-cache policy "linux-image-$kv" | sed -n 's/^ *Candidate: //p')
	fi
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no linux-image-$kv in the archive"
	fetch_image "$kv" "$ver"
}

do_env() {
	local kv
	kv=$(kver)
	echo "TCX_CACHE=$TCX_CACHE"
	echo "KVER=$kv"
	echo "KDIR=/lib/modules/$kv/build"
	echo "VM_KERNEL_DIR=$TCX_CACHE/kernel-$kv"
	echo "KSFT_DIR=$TCX_CACHE/linux-source-6.1/tools/testing/selftests"
	echo "CHECKPATCH=$TCX_CACHE/linux-source-6.1/scripts/checkpatch.pl"
}

case "${1:-all}" in
packages)	do_packages ;;
kernel)		do_packages; do_kernel ;;
source)		do_packages; do_source ;;
all)		do_packages; do_kernel; do_source; do_backports ;;
kernel612)	do_packages; do_kernel612 ;;
backports)	do_packages; do_backports ;;
debug)		PACKAGES+=("${DEBUG_PACKAGES[@]}"); do_packages; do_kernel; do_source ;;
bench)		PACKAGES+=("${BENCH_PACKAGES[@]}"); do_packages ;;
kver)		kver ;;
flavours)	do_packages; do_kernel; do_flavours images ;;
flavour-headers) do_packages; do_flavours ;;
image)		do_image "$2" ;;
fkver)		flavour_kver "${2:-generic}" ;;
env)		do_env ;;
*)		die "usage: $0 [packages|kernel|kernel612|backports|flavours|flavour-headers|image|fkver|source|all|debug|bench|kver|env]" ;;
esac
