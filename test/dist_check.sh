#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks what `make dist` produced, for x86_64 and arm64: each tarball, .deb and .rpm carries a static
# binary of the right machine that reports this version (arm64's run under qemu), the man page, the
# README, the licences and the deploy files; the packages' systemd unit passes systemd-analyze
# verify without a word; each RPM installs into an empty root, runs there, and leaves the state
# directory when erased; rpmlint finds no error; one SHA256SUMS verifies all six.
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

# The unit as a package installed it under ROOT. --root makes systemd-analyze look for ExecStart's
# binary and the targets the unit names inside ROOT, so the host's own units are copied in beside
# it; --man=no, because `man` would run on the host, where hookd's page is not installed. Unknown
# keys and other mistakes only warn, on stderr, and the exit status stays 0: stderr must be empty.
verify_unit() { # ROOT WHAT
  local err
  cp -rn /usr/lib/systemd/system/. "$1/usr/lib/systemd/system/"
  err=$(systemd-analyze verify --root="$1" --man=no hookd.service 2>&1 > /dev/null) || fail "$2: systemd-analyze verify failed: $err"
  [ -z "$err" ] || fail "$2: systemd-analyze verify warns: $err"
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
  grep -Eq '^-rw------- root/root .* \./etc/hookd/hookd\.env$' <<< "$(dpkg-deb -c "$deb")" || fail "$deb lacks /etc/hookd/hookd.env as root's, mode 0600"
  [ "$(dpkg-deb -I "$deb" conffiles)" = /etc/hookd/hookd.env ] || fail "$deb: hookd.env is not its one conffile"
  dpkg-deb -x "$deb" "$tmp/deb-$1"
  check_binary "$tmp/deb-$1/usr/bin/hookd" "$2" "$(basename "$deb")"
  cmp -s "$tmp/deb-$1/lib/systemd/system/hookd.service" "$(dirname "$0")/../deploy/systemd/hookd.service" || fail "$deb lacks deploy/systemd/hookd.service as /lib/systemd/system/hookd.service"
  mkdir -p "$tmp/deb-$1/usr/lib/systemd/system"
  verify_unit "$tmp/deb-$1" "$(basename "$deb")"
}

check_rpm() { # MACHINE
  local rpm=$dist/hookd-$version-1.$1.rpm root=$tmp/rpm-$1 f files out
  [ -f "$rpm" ] || fail "no $(basename "$rpm") in $dist (run make dist)"
  grep -q " $(basename "$rpm")\$" "$dist/SHA256SUMS" || fail "SHA256SUMS does not cover $(basename "$rpm")"
  rpm -qip "$rpm" > "$tmp/rpm-info"
  for f in "Name        : hookd" "Version     : $version" "Release     : 1" "Architecture: $1" \
           "License     : Apache-2.0 AND BSL-1.0 AND LGPL-2.1-or-later AND GPL-3.0-or-later WITH GCC-exception-3.1" \
           "Build Host  : reproducible"; do
    grep -qx "$f" "$tmp/rpm-info" || fail "$rpm: rpm -qip lacks '$f'"
  done
  # Mode, owner, rpm's flags (c: config, n: noreplace, l: licence) and name of every file.
  files=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm")
  for f in "-rwxr-xr-x root:root  /usr/bin/hookd" "-rw-r--r-- root:root d /usr/share/man/man1/hookd.1.gz" \
           "-rw-r--r-- root:root  /usr/lib/systemd/system/hookd.service" "-rw------- root:root cn /etc/hookd/hookd.env" \
           "drwx------ root:root  /var/lib/hookd" "-rw-r--r-- root:root l /usr/share/licenses/hookd/LICENSE" \
           "-rw-r--r-- root:root l /usr/share/licenses/hookd/NOTICE" \
           "-rw-r--r-- root:root l /usr/share/licenses/hookd/THIRD-PARTY-LICENSES" \
           "-rw-r--r-- root:root d /usr/share/doc/hookd/deploy/iam-policy.json"; do
    grep -qxF -- "$f" <<< "$files" || fail "$rpm lacks '$f'"
  done
  grep -q '/\.build-id' <<< "$files" && fail "$rpm carries build-id links"
  # A static binary needs no library: only the scriptlets' shell and rpm's own features.
  rpm -qp --requires "$rpm" | grep -Ev '^(/bin/sh|rpmlib\(.*|config\(hookd\) = .*)$' && fail "$rpm requires more than /bin/sh"
  # An empty root with its own rpm database, /dev/null and a busybox /bin/sh for the scriptlets,
  # which find no systemd there and must say nothing for it. (--force-debian: Debian's rpm would
  # otherwise warn that it is not meant to install packages; --ignorearch lets the aarch64 package
  # into a root on this machine.)
  install -d "$root/bin" "$root/dev"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  mknod -m 666 "$root/dev/null" c 1 3
  rpm --root "$root" --initdb
  out=$(rpm --root "$root" --force-debian --nodeps --ignorearch -i "$rpm" 2>&1) || fail "$rpm does not install into an empty root: $out"
  [ -z "$out" ] || fail "installing $rpm said: $out"
  check_binary "$root/usr/bin/hookd" "$1" "$(basename "$rpm"), installed"
  cmp -s "$root/usr/lib/systemd/system/hookd.service" "$(dirname "$0")/../deploy/systemd/hookd.service" || fail "$rpm: the unit is not deploy/systemd/hookd.service"
  verify_unit "$root" "$(basename "$rpm")"
  # Erasing keeps what hookd wrote in its state directory.
  echo '{}' > "$root/var/lib/hookd/journal-check"
  out=$(rpm --root "$root" --force-debian --nodeps -e hookd 2>&1) || fail "$rpm does not erase: $out"
  [ -z "$out" ] || fail "erasing $rpm said: $out"
  [ ! -e "$root/usr/bin/hookd" ] || fail "$rpm: erasing left /usr/bin/hookd"
  [ -f "$root/var/lib/hookd/journal-check" ] || fail "$rpm: erasing did not keep /var/lib/hookd's content"
}

check_tarball x86_64
check_tarball aarch64
check_deb amd64 x86_64
check_deb arm64 aarch64
check_rpm x86_64
check_rpm aarch64
# Errors fail; the warnings left are listed in deploy/package/rpmlint.toml's comments or known.
rpmlint -c "$(dirname "$0")/../deploy/package/rpmlint.toml" "$dist"/*.rpm > "$tmp/rpmlint" 2>&1 || { cat "$tmp/rpmlint" >&2; fail "rpmlint reports errors"; }
grep ': W: ' "$tmp/rpmlint" || true
echo "dist_check: the x86_64 and aarch64 tarballs, .debs and .rpms of hookd $version hold what they should; SHA256SUMS verifies"
