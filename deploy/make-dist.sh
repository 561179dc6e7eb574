#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make dist: the release artifacts from the static binary — a tarball and a .deb, each with the
# man page (generated from --help by help2man), the deploy files, the README and the licences of the
# libraries linked in, checksummed.
set -euo pipefail
build=${1:?usage: make-dist.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/static/hookd
version=$("$bin" --version | awk '{print $2}')
out=$build/dist

# What the static binary carries of other projects, and their licences, taken from the Debian
# packages it was linked from (OpenSSL's Apache-2.0 asks that its licence travel with binaries).
need() { [ -r "$1" ] || { echo "make-dist: $1 is missing; install the package that provides it" >&2; exit 1; }; }
section() { printf '\n==============================================================================\n%s\n' "$1"; }
third_party_licenses() {
  local f
  for f in /usr/share/doc/libssl3/copyright /usr/share/common-licenses/Apache-2.0 /usr/share/doc/libc6/copyright \
           /usr/share/common-licenses/LGPL-2.1 /usr/share/doc/gcc-12-base/copyright /usr/share/doc/libboost1.81-dev/copyright; do
    need "$f"
  done
  echo "hookd $version is linked statically with the libraries below. Each is under its own licence,"
  echo "reproduced here from the Debian 12 packages the binary was built from."
  section "OpenSSL $(dpkg-query -W -f='${Version}' libssl3 2>/dev/null): Apache License 2.0"
  cat /usr/share/doc/libssl3/copyright; echo; cat /usr/share/common-licenses/Apache-2.0
  section "GNU C Library $(dpkg-query -W -f='${Version}' libc6 2>/dev/null): LGPL 2.1 or later (and others, below)"
  cat /usr/share/doc/libc6/copyright; echo; cat /usr/share/common-licenses/LGPL-2.1
  section "GCC runtime: libstdc++ and libgcc $(dpkg-query -W -f='${Version}' gcc-12-base 2>/dev/null): GPL 3 with the GCC Runtime Library Exception 3.1"
  cat /usr/share/doc/gcc-12-base/copyright
  section "Boost $(dpkg-query -W -f='${Version}' libboost1.81-dev 2>/dev/null) (Asio, Beast, JSON, Container): Boost Software License 1.0"
  awk '/^License: BSL-1.0$/ {hold=1; next}
       hold && /Boost Software License - Version 1.0/ {grab=1}
       hold {hold=0}
       grab && /^ / {sub(/^ /, ""); if ($0 == ".") $0 = ""; print; next}
       grab {exit}' /usr/share/doc/libboost1.81-dev/copyright
}
name=hookd-$version-linux-x86_64
rm -rf "$out" && mkdir -p "$out/$name/deploy"

help2man --no-info --version-string="$version" \
  --name="run EC2 Auto Scaling lifecycle hooks on the instance" "$bin" > "$out/$name/hookd.1"
install -m 0755 "$bin" "$out/$name/hookd"
cp -r "$top/deploy/." "$out/$name/deploy/"
rm -f "$out/$name/deploy/make-dist.sh"
cp "$top/README.md" "$top/LICENSE" "$top/NOTICE" "$out/$name/"
third_party_licenses > "$out/$name/THIRD-PARTY-LICENSES"
tar -C "$out" -czf "$out/$name.tar.gz" "$name"

deb=$out/deb
install -d "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/share/man/man1" "$deb/usr/share/doc/hookd/deploy"
# The state directory is hookd's alone: root's, mode 0700 (hookd refuses anything looser).
install -d -m 0700 "$deb/var/lib/hookd"
install -m 0755 "$bin" "$deb/usr/bin/hookd"
gzip -9n < "$out/$name/hookd.1" > "$deb/usr/share/man/man1/hookd.1.gz"
cp -r "$out/$name/deploy/." "$deb/usr/share/doc/hookd/deploy/"
cp "$top/README.md" "$top/LICENSE" "$top/NOTICE" "$out/$name/THIRD-PARTY-LICENSES" "$deb/usr/share/doc/hookd/"
cat > "$deb/DEBIAN/control" <<CONTROL
Package: hookd
Version: $version
Architecture: amd64
Maintainer: hookd developers <dev@hookd.invalid>
Section: admin
Priority: optional
Description: runs EC2 Auto Scaling lifecycle hooks on the instance
 hookd receives this instance's lifecycle notification from SQS, runs the
 operator's script with heartbeats, completes the lifecycle action and only
 then deletes the message. One static binary; deploy files are in
 /usr/share/doc/hookd/deploy (cron lines, systemd unit, IAM policy).
CONTROL
dpkg-deb --root-owner-group --build "$deb" "$out/hookd_${version}_amd64.deb" > /dev/null
rm -rf "$deb"
(cd "$out" && sha256sum "$name.tar.gz" "hookd_${version}_amd64.deb" > SHA256SUMS)
echo "dist: $out/$name.tar.gz, $out/hookd_${version}_amd64.deb, $out/SHA256SUMS"
