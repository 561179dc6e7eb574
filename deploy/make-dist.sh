#!/usr/bin/env bash
# make dist: the release artifacts from the static binary — a tarball and a .deb, each with the
# man page (generated from --help by help2man), the deploy files and the README, checksummed.
set -euo pipefail
build=${1:?usage: make-dist.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/static/hookd
version=$("$bin" --version | awk '{print $2}')
out=$build/dist
name=hookd-$version-linux-x86_64
rm -rf "$out" && mkdir -p "$out/$name/deploy"

help2man --no-info --version-string="$version" \
  --name="run EC2 Auto Scaling lifecycle hooks on the instance" "$bin" > "$out/$name/hookd.1"
install -m 0755 "$bin" "$out/$name/hookd"
cp -r "$top/deploy/." "$out/$name/deploy/"
rm -f "$out/$name/deploy/make-dist.sh"
cp "$top/README.md" "$out/$name/"
tar -C "$out" -czf "$out/$name.tar.gz" "$name"

deb=$out/deb
install -d "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/share/man/man1" "$deb/usr/share/doc/hookd/deploy"
install -m 0755 "$bin" "$deb/usr/bin/hookd"
gzip -9n < "$out/$name/hookd.1" > "$deb/usr/share/man/man1/hookd.1.gz"
cp -r "$out/$name/deploy/." "$deb/usr/share/doc/hookd/deploy/"
cp "$top/README.md" "$deb/usr/share/doc/hookd/"
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
