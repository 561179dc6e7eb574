#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make dist: the release for x86_64 and arm64 from the static binaries — per architecture a tarball,
# a .deb and an .rpm, each with the man page (generated from --help by help2man), the deploy files,
# the README, hookd's licence and those of the libraries linked in; the packages also install the
# systemd unit and /etc/hookd/hookd.env; one SHA256SUMS for all six.
# Reproducible: the same commit gives the same bytes, whatever the directory or the time of day
# (dates from SOURCE_DATE_EPOCH, the commit's own; sorted archives with fixed owners and modes).
set -euo pipefail
build=${1:?usage: make-dist.sh BUILD_DIR}
build=$(cd "$build" && pwd) # absolute: rpmbuild reads the staged tree from its own directory
top=$(cd "$(dirname "$0")/.." && pwd)
out=$build/dist
umask 022
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct)}
export TZ=UTC LC_ALL=C
version=$("$build/static/hookd" --version | awk '{print $2}')

need() { [ -r "$1" ] || { echo "make-dist: $1 is missing; install the package that provides it" >&2; exit 1; }; }
section() { printf '\n==============================================================================\n%s\n' "$1"; }
version_of() { dpkg-query -W -f='${Version}' "$1"; }
# What the static binary carries of other projects, and their licences, taken from the Debian
# packages it was linked from (OpenSSL's Apache-2.0 asks that its licence travel with binaries).
# The arm64 binary's C library and C++ runtime come from Debian's cross-toolchain packages.
third_party_licenses() {
  local deb_arch=$1 libc=libc6 gcc=gcc-12-base f
  [ "$deb_arch" = arm64 ] && libc=libc6-arm64-cross gcc=gcc-12-cross-base
  for f in /usr/share/doc/libssl3/copyright /usr/share/common-licenses/Apache-2.0 /usr/share/doc/$libc/copyright \
           /usr/share/common-licenses/LGPL-2.1 /usr/share/doc/$gcc/copyright /usr/share/doc/libboost1.81-dev/copyright; do
    need "$f"
  done
  echo "hookd $version is linked statically with the libraries below. Each is under its own licence,"
  echo "reproduced here from the Debian 12 packages the binary was built from."
  section "OpenSSL $(version_of "libssl3:$deb_arch"): Apache License 2.0"
  cat /usr/share/doc/libssl3/copyright; echo; cat /usr/share/common-licenses/Apache-2.0
  section "GNU C Library $(version_of "$libc"): LGPL 2.1 or later (and others, below)"
  cat "/usr/share/doc/$libc/copyright"; echo; cat /usr/share/common-licenses/LGPL-2.1
  section "GCC runtime: libstdc++ and libgcc $(version_of "$gcc"): GPL 3 with the GCC Runtime Library Exception 3.1"
  cat "/usr/share/doc/$gcc/copyright"
  section "Boost $(version_of "libboost1.81-dev:$deb_arch") (Asio, Beast, JSON, Container): Boost Software License 1.0"
  awk '/^License: BSL-1.0$/ {hold=1; next}
       hold && /Boost Software License - Version 1.0/ {grab=1}
       hold {hold=0}
       grab && /^ / {sub(/^ /, ""); if ($0 == ".") $0 = ""; print; next}
       grab {exit}' /usr/share/doc/libboost1.81-dev/copyright
}

# Every file at the commit's time, owned by root, in name order: the archive depends on nothing else.
pack_tar() { # DIR NAME
  find "$1/$2" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner --format=gnu -cf - "$2" | gzip -9n > "$1/$2.tar.gz"
}

pack_deb() { # BINARY DEB_ARCH STAGED_TREE
  local bin=$1 deb_arch=$2 staged=$3 deb=$out/deb-$2
  install -d "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/share/man/man1" "$deb/usr/share/doc/hookd/deploy"
  # The state directory is hookd's alone: root's, mode 0700 (hookd refuses anything looser).
  install -d -m 0700 "$deb/var/lib/hookd"
  install -m 0755 "$bin" "$deb/usr/bin/hookd"
  # The unit where Debian 12's own packages put theirs; the env file is a conffile, kept on upgrade.
  install -D -m 0644 "$staged/deploy/systemd/hookd.service" "$deb/lib/systemd/system/hookd.service"
  install -D -m 0600 "$staged/deploy/hookd.env" "$deb/etc/hookd/hookd.env"
  echo /etc/hookd/hookd.env > "$deb/DEBIAN/conffiles"
  install -m 0755 "$top/deploy/package/postinst" "$top/deploy/package/prerm" "$deb/DEBIAN/"
  gzip -9n < "$staged/hookd.1" > "$deb/usr/share/man/man1/hookd.1.gz"
  cp -r "$staged/deploy/." "$deb/usr/share/doc/hookd/deploy/"
  cp "$staged/README.md" "$staged/LICENSE" "$staged/NOTICE" "$staged/THIRD-PARTY-LICENSES" "$deb/usr/share/doc/hookd/"
  cat > "$deb/DEBIAN/control" <<CONTROL
Package: hookd
Version: $version
Architecture: $deb_arch
Maintainer: hookd developers <dev@hookd.invalid>
Section: admin
Priority: optional
Description: runs EC2 Auto Scaling lifecycle hooks on the instance
 hookd receives this instance's lifecycle notification from SQS, runs the
 operator's script with heartbeats, completes the lifecycle action and only
 then deletes the message. One static binary and its systemd unit (installed,
 not started); more deploy files are in /usr/share/doc/hookd/deploy.
CONTROL
  find "$deb" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/hookd_${version}_${deb_arch}.deb" > /dev/null
  rm -rf "$deb"
}

# rpmbuild works in a directory of its own and writes the package straight into dist/.
pack_rpm() { # RPM_ARCH STAGED_TREE
  local topdir=$out/rpm-$1
  rpmbuild -bb --quiet --target "$1-linux" --define "_topdir $topdir" --define "_rpmdir $out" \
    --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
    --define "hookd_version $version" --define "stage $2" "$top/deploy/package/hookd.spec" > /dev/null
  rm -rf "$topdir"
}

pack() { # STATIC_DIR UNAME_ARCH DEB_ARCH
  local bin=$build/$1/hookd name=hookd-$version-linux-$2
  need "$bin"
  mkdir -p "$out/$name/deploy"
  cp "$out/hookd.1" "$out/$name/hookd.1"
  install -m 0755 "$bin" "$out/$name/hookd"
  cp -r "$top/deploy/." "$out/$name/deploy/"
  rm -rf "$out/$name/deploy/make-dist.sh" "$out/$name/deploy/package"
  cp "$top/README.md" "$top/LICENSE" "$top/NOTICE" "$out/$name/"
  third_party_licenses "$3" > "$out/$name/THIRD-PARTY-LICENSES"
  chmod -R u+rwX,go+rX,go-w "$out/$name"
  pack_tar "$out" "$name"
  pack_deb "$bin" "$3" "$out/$name"
  pack_rpm "$2" "$out/$name"
  rm -rf "${out:?}/$name"
  artifacts+=("$name.tar.gz" "hookd_${version}_$3.deb" "hookd-$version-1.$2.rpm")
}

rm -rf "$out" && mkdir -p "$out"
# The man page comes from this machine's binary: --help is the same text on every architecture.
help2man --no-info --version-string="$version" \
  --name="run EC2 Auto Scaling lifecycle hooks on the instance" "$build/static/hookd" > "$out/hookd.1"
artifacts=()
pack static x86_64 amd64
pack static-arm64 aarch64 arm64
rm "$out/hookd.1"
(cd "$out" && sha256sum "${artifacts[@]}" > SHA256SUMS)
echo "dist: in $out: ${artifacts[*]}, SHA256SUMS"
