# SPDX-License-Identifier: Apache-2.0
# Sourced by the release checks: which machine an ELF file is for, and the user-mode qemu that runs
# it here when that is not this machine's (called explicitly: binfmt_misc may not be registered).
elf_machine() {
  case "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' \n')" in
    3e00) echo x86_64 ;;
    b700) echo aarch64 ;;
    *) echo unknown ;;
  esac
}
# Prints the emulator's path, or nothing for a native binary; fails when the emulator is missing.
qemu_for() {
  local m
  m=$(elf_machine "$1")
  [ "$m" = "$(uname -m)" ] && return 0
  command -v "qemu-$m-static" || { echo "no qemu-$m-static to run the $m binary $1 (make deps-arm64 installs it)" >&2; return 1; }
}
