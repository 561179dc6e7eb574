# SPDX-License-Identifier: Apache-2.0
# Project-wide options and the two INTERFACE targets every real target links (cmake_template style).
option(HOOKD_WARNINGS_AS_ERRORS "Treat compiler warnings as errors (ON in CI)" OFF)
option(HOOKD_STATIC "Link hookd fully statically (glibc, OpenSSL, Boost.JSON)" OFF)
option(HOOKD_HOT_TEXT "Static hookd: gather the code it runs (cmake/hookd-hot-text.ld) into one place" ON)
option(HOOKD_LINK_MAP "Static hookd: write the linker map beside it (make static checks the hot-code list against it)" OFF)
option(HOOKD_BUILD_TESTS "Build the test executables" ON)
option(HOOKD_BUILD_BENCH "Build the Google Benchmark executables" OFF)
# Sources compiled in batches: Asio, Beast and GoogleTest headers are parsed, and their templates
# instantiated, once per batch rather than once per file. Every CI build starts from scratch
# (release, sanitizers, static for two machines, the reproducibility clone, fuzzing), where this
# is most of the compile time; turn it off to rebuild one edited file alone.
option(HOOKD_UNITY_BUILD "Compile the sources in batches (faster from scratch, slower to rebuild one file)" ON)
set(HOOKD_UNITY_BATCH 8 CACHE STRING "Sources per batch with HOOKD_UNITY_BUILD")
if(HOOKD_UNITY_BUILD)
  set(CMAKE_UNITY_BUILD ON)
  set(CMAKE_UNITY_BUILD_BATCH_SIZE ${HOOKD_UNITY_BATCH})
endif()
set(HOOKD_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address;undefined")
option(HOOKD_FUZZ "Build the libFuzzer targets in test/fuzz (clang; make fuzz)" OFF)

if(HOOKD_STATIC)
  # Must be set before find_package so the .a archives are chosen.
  set(OPENSSL_USE_STATIC_LIBS ON)
  set(Boost_USE_STATIC_LIBS ON)
endif()

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

add_library(hookd_options INTERFACE)
if(HOOKD_STATIC)
  target_compile_options(hookd_options INTERFACE -ffunction-sections -fdata-sections)
endif()
target_compile_features(hookd_options INTERFACE cxx_std_20)
# Reproducible binaries: no source or build directory in them (__FILE__ in source locations).
target_compile_options(hookd_options INTERFACE -ffile-prefix-map=${CMAKE_SOURCE_DIR}/= -ffile-prefix-map=${CMAKE_BINARY_DIR}/=)
target_compile_definitions(hookd_options INTERFACE
  BOOST_ASIO_SEPARATE_COMPILATION
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED
  BOOST_JSON_NO_LIB BOOST_ALL_NO_LIB)
# Line tables only (-g1) where debug information is read by backtraces and sanitizer reports
# alone: the test, sanitizer and fuzz builds then compile about a fifth faster (measured on the
# test files and Asio/Beast, GCC 12 and clang 16), and CI builds each once per run. A plain Debug
# build, the one to step through with gdb, keeps the full -g.
if(HOOKD_SANITIZE OR HOOKD_FUZZ)
  target_compile_options(hookd_options INTERFACE -g1)
else()
  target_compile_options(hookd_options INTERFACE $<$<CONFIG:RelWithDebInfo>:-g1>)
endif()
if(HOOKD_FUZZ)
  # Every library the fuzzers reach is instrumented for coverage; the sanitizers catch what breaks.
  target_compile_options(hookd_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                                                 -fno-sanitize-recover=all)
  target_link_options(hookd_options INTERFACE -fsanitize=address,undefined)
endif()
if(HOOKD_SANITIZE)
  string(REPLACE ";" "," _hookd_san "${HOOKD_SANITIZE}")
  target_compile_options(hookd_options INTERFACE -fsanitize=${_hookd_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(hookd_options INTERFACE -fsanitize=${_hookd_san})
endif()

if(HOOKD_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # In a batch, a file's anonymous-namespace types look to GCC as if they came from a header, and
  # every coroutine frame holding one draws -Wsubobject-linkage: a false alarm in a unity build.
  target_compile_options(hookd_options INTERFACE -Wno-subobject-linkage)
endif()

add_library(hookd_warnings INTERFACE)
target_compile_options(hookd_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  # GCC 12 misreports asio awaitable frames (custom operator new/delete) as mismatched: GCC bug 109224.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>
  # GCC 12 at -O2/-O3 reports impossible overlaps inside std::string (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
if(HOOKD_WARNINGS_AS_ERRORS)
  target_compile_options(hookd_warnings INTERFACE -Werror)
endif()
