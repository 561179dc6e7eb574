#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks what `make dist` produced, for x86_64 and arm64: each tarball and .deb carries a static
# binary of the right machine that reports this version (arm64's run under qemu), the man page, the
# README, the licences and the deploy files; one SHA256SUMS verifies all four.
set -euo pipefail
. "$(dirname "$0")/arch.sh"
dist=${1:?usage: dist_check.sh DIST_DIR VERSION}
version=${2:?usage: dist_check.sh DIST_DIR VERSION}
fail() { echo "dist_check: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not verify"

check_binary() { # FILE MACHINE WHERE
  [ "$(elf_machine "$1")" = "$2" ] || fail "$3: hookd is not a $2 executable: $(file -b "$1")"
  file -b "$1" | grep -q "statically linked" || fail "$3: hookd is not static: $(file -b "$1")"
  local qemu
  qemu=$(qemu_for "$1")
  $qemu "$1" --version | grep -q "^hookd $version (commit [0-9a-f]*, $2;" || fail "$3: the packed binary does not say hookd $version on $2"
}

check_tarball() { # MACHINE
  local name=hookd-$version-linux-$1 f listing
  [ -f "$dist/$name.tar.gz" ] || fail "no $name.tar.gz in $dist (run make dist)"
  grep -q " $name.tar.gz\$" "$dist/SHA256SUMS" || fail "SHA256SUMS does not cover $name.tar.gz"
  listing=$(tar tzf "$dist/$name.tar.gz")
  for f in hookd hookd.1 README.md LICENSE NOTICE THIRD-PARTY-LICENSES deploy/cron deploy/logrotate deploy/systemd/hookd.service \
           deploy/iam-policy.json deploy/cloudformation.yaml deploy/bootstrap.sh deploy/on-terminate.example.sh; do
    grep -qx "$name/$f" <<< "$listing" || fail "$name.tar.gz lacks $f"
  done
  grep -q "$name/deploy/make-dist.sh" <<< "$listing" && fail "$name.tar.gz carries the build script"
  tar -C "$tmp" -xzf "$dist/$name.tar.gz"
  check_binary "$tmp/$name/hookd" "$1" "$name.tar.gz"
  for lib in "OpenSSL" "GNU C Library" "GCC runtime" "Boost Software License - Version 1.0"; do
    grep -q "$lib" "$tmp/$name/THIRD-PARTY-LICENSES" || fail "$name: THIRD-PARTY-LICENSES lacks $lib"
  done
  grep -q '^\.TH HOOKD "1"' "$tmp/$name/hookd.1" || fail "$name: hookd.1 is not a man page"
}

check_deb() { # DEB_ARCH MACHINE
  local deb=$dist/hookd_${version}_$1.deb f listing
  [ -f "$deb" ] || fail "no $(basename "$deb") in $dist (run make dist)"
  grep -q " $(basename "$deb")\$" "$dist/SHA256SUMS" || fail "SHA256SUMS does not cover $(basename "$deb")"
  [ "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version) $(dpkg-deb -f "$deb" Architecture)" = "hookd $version $1" ] ||
    fail "$deb has the wrong control fields"
  listing=$(dpkg-deb -c "$deb" | awk '{print $NF}')
  for f in ./usr/bin/hookd ./usr/share/man/man1/hookd.1.gz ./usr/share/doc/hookd/README.md \
           ./usr/share/doc/hookd/LICENSE ./usr/share/doc/hookd/NOTICE \
           ./usr/share/doc/hookd/THIRD-PARTY-LICENSES ./usr/share/doc/hookd/deploy/iam-policy.json; do
    grep -qx "$f" <<< "$listing" || fail "$deb lacks $f"
  done
  dpkg-deb -c "$deb" | grep -Eq '^drwx------ root/root .* \./var/lib/hookd/$' || fail "$deb lacks /var/lib/hookd as root's, mode 0700"
  dpkg-deb -x "$deb" "$tmp/deb-$1"
  check_binary "$tmp/deb-$1/usr/bin/hookd" "$2" "$(basename "$deb")"
}

check_tarball x86_64
check_tarball aarch64
check_deb amd64 x86_64
check_deb arm64 aarch64
echo "dist_check: the x86_64 and aarch64 tarballs and .debs of hookd $version hold what they should; SHA256SUMS verifies"
