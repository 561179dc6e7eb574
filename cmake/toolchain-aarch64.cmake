# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for arm64 (Graviton) on an x86_64 Debian 12 with Debian's cross compiler and
# multiarch :arm64 libraries (make deps ARCH=arm64 installs them). Header-only Boost comes from the
# host's /usr/include; OpenSSL's configuration header and every library from the arm64 paths.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Libraries and packages from the target's paths only, programs (git, python3) from the host's.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config (FindOpenSSL asks it first) must answer with the arm64 .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
# Test binaries run under user-mode qemu (the dynamic loader and libraries of libc6:arm64 are in
# /usr/lib/aarch64-linux-gnu, so no sysroot is needed); called explicitly, binfmt_misc or not.
find_program(HOOKD_QEMU_AARCH64 qemu-aarch64-static)
if(HOOKD_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HOOKD_QEMU_AARCH64})
endif()
