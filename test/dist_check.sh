#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks what `make dist` produced: the tarball and the .deb each carry the binary, the man page,
# the README, the third-party licences and the deploy files, and SHA256SUMS verifies both.
set -euo pipefail
dist=${1:?usage: dist_check.sh DIST_DIR VERSION}
version=${2:?usage: dist_check.sh DIST_DIR VERSION}
name=hookd-$version-linux-x86_64
fail() { echo "dist_check: $*" >&2; exit 1; }

[ -f "$dist/$name.tar.gz" ] || fail "no $name.tar.gz in $dist (run make dist)"
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not verify"
listing=$(tar tzf "$dist/$name.tar.gz")
for f in hookd hookd.1 README.md LICENSE NOTICE THIRD-PARTY-LICENSES deploy/cron deploy/logrotate deploy/systemd/hookd.service \
         deploy/iam-policy.json deploy/cloudformation.yaml deploy/bootstrap.sh deploy/on-terminate.example.sh; do
  grep -qx "$name/$f" <<< "$listing" || fail "$name.tar.gz lacks $f"
done
grep -q "$name/deploy/make-dist.sh" <<< "$listing" && fail "$name.tar.gz carries the build script"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xzf "$dist/$name.tar.gz"
"$tmp/$name/hookd" --version | grep -q "^hookd $version (commit " || fail "the packed binary does not say hookd $version"
for lib in "OpenSSL" "GNU C Library" "GCC runtime" "Boost Software License - Version 1.0"; do
  grep -q "$lib" "$tmp/$name/THIRD-PARTY-LICENSES" || fail "THIRD-PARTY-LICENSES lacks $lib"
done
grep -q '^\.TH HOOKD "1"' "$tmp/$name/hookd.1" || fail "hookd.1 is not a man page"
deb=$dist/hookd_${version}_amd64.deb
[ "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" = "hookd $version" ] || fail "$deb has the wrong control fields"
deb_listing=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/hookd ./usr/share/man/man1/hookd.1.gz ./usr/share/doc/hookd/README.md \
         ./usr/share/doc/hookd/LICENSE ./usr/share/doc/hookd/NOTICE \
         ./usr/share/doc/hookd/THIRD-PARTY-LICENSES ./usr/share/doc/hookd/deploy/iam-policy.json; do
  grep -qx "$f" <<< "$deb_listing" || fail "$deb lacks $f"
done
dpkg-deb -c "$deb" | grep -Eq '^drwx------ root/root .* \./var/lib/hookd/$' || fail "$deb lacks /var/lib/hookd as root's, mode 0700"
echo "dist_check: $name.tar.gz and hookd_${version}_amd64.deb hold what they should; SHA256SUMS verifies"
