#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, built from a copy of the tree so that
# dpkg-buildpackage, which writes next to the source folder, writes nothing
# outside OUTDIR.
#
#   scripts/deb.sh deps           install the packaging tools and the
#                                 Build-Depends of debian/control when missing
#   scripts/deb.sh build OUTDIR   deps, then source and binary packages in
#                                 OUTDIR, checked by lintian
#
# The tools are installed here rather than by scripts/deps.sh, so that
# `make check` does not pay for them.  Quiet when they are there.

set -eo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

PACKAGES=(build-essential dpkg-dev lintian)

die() { echo "deb.sh: $*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	as_root apt-get update -qq
	apt_updated=1
}

do_deps() {
	local p st miss=()
	for p in "${PACKAGES[@]}"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || miss+=("$p")
	done
	if [ ${#miss[@]} -gt 0 ]; then
		echo "deb.sh: installing ${miss[*]}" >&2
		apt_update
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends "${miss[@]}" >/dev/null
	fi
	# debhelper, dh-dkms and the libraries tcxctl links: debian/control
	# is the list.
	if ! (cd "$repo" && dpkg-checkbuilddeps) >/dev/null 2>&1; then
		echo "deb.sh: installing the Build-Depends of debian/control" >&2
		apt_update
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get build-dep -y -qq --no-install-recommends "$repo" >/dev/null
	fi
}

# The tree as git sees it, uncommitted work included, without what
# .gitignore keeps out (build/, objects).
copy_tree() {
	local dst=$1
	mkdir -p "$dst"
	git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
		die "$repo is not a git work tree: cannot tell sources from build products"
	(cd "$repo" && git ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done | tar --null -T - -cf -) | tar -xf - -C "$dst"
}

do_build() {
	local out=${1:?usage: scripts/deb.sh build OUTDIR} ver chver src log
	do_deps
	ver=$("$repo/scripts/dkms.sh" version)
	chver=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
	[ "$chver" = "$ver" ] ||
		die "debian/changelog is at $chver but dkms.conf at $ver: add a changelog entry (dch -v $ver)"

	rm -rf "$out"
	src=$out/tcx-dkms-$ver
	copy_tree "$src"
	log=$out/build.log
	echo "deb.sh: dpkg-buildpackage in $src (log: $log)"
	# The package builds the same whatever make variables called this.
	if ! (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		dpkg-buildpackage -us -uc) >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "dpkg-buildpackage failed"
	fi
	(cd "$out" && ls -1 ./*.deb ./*.dsc)
	echo "deb.sh: lintian"
	lintian --fail-on error "$out"/tcx-dkms_"$ver"_*.changes | tee "$out/lintian.log"
}

case "$1" in
deps)	do_deps ;;
build)	do_build "$2" ;;
*)	die "usage: $0 deps | build OUTDIR" ;;
esac
