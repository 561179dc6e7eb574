# SPDX-License-Identifier: Apache-2.0
# hookd — see README.md. Every target installs what it needs on Debian 12 (as root) first.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure

DEB_PACKAGES := cmake g++ make file libboost1.81-dev libboost-json1.81-dev libssl-dev \
                libgtest-dev libgmock-dev libbenchmark-dev help2man \
                python3 python3-yaml busybox-static
FUZZ_PACKAGES := clang-16 libfuzzer-16-dev libclang-rt-16-dev
# arm64 (Graviton) is cross-built here and its tests run under user-mode qemu.
ARM64_PACKAGES := g++-aarch64-linux-gnu libssl-dev:arm64 libboost-json1.81-dev:arm64 \
                  libgtest-dev:arm64 libgmock-dev:arm64 qemu-user-static
# make dist's rpmbuild, and what test/dist_check.sh runs on its packages: rpmlint, systemd-analyze.
DIST_PACKAGES := rpm rpmlint systemd

# ARCH=arm64 makes `static` cross-build build/static-arm64/hookd; the default is this machine's.
ARCH ?= x86_64
ifeq ($(ARCH),arm64)
STATIC_DIR := $(BUILD)/static-arm64
STATIC_DEPS := deps-arm64
STATIC_CMAKE := -DCMAKE_TOOLCHAIN_FILE=$(abspath cmake/toolchain-aarch64.cmake) -DHOOKD_BUILD_TESTS=ON
STRIP := aarch64-linux-gnu-strip
STATIC_LINKED := libssl-dev:arm64 libc6-dev:arm64 libc6-dev-arm64-cross libstdc++-12-dev-arm64-cross \
                 libgcc-12-dev-arm64-cross libboost1.81-dev:arm64 libboost-json1.81-dev:arm64 \
                 g++-12-aarch64-linux-gnu binutils-aarch64-linux-gnu
else ifeq ($(ARCH),x86_64)
STATIC_DIR := $(BUILD)/static
STATIC_DEPS := deps
STATIC_CMAKE := -DHOOKD_BUILD_TESTS=OFF
STRIP := strip
STATIC_LINKED := libssl-dev:amd64 libc6-dev:amd64 libstdc++-12-dev:amd64 libgcc-12-dev:amd64 \
                 libboost1.81-dev:amd64 libboost-json1.81-dev:amd64 g++-12 binutils-x86-64-linux-gnu
else
$(error ARCH must be x86_64 or arm64, not $(ARCH))
endif
# A package is missing when dpkg does not list it as installed.
missing = $(shell for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done)
# $(call install_missing,TARGET,PACKAGES[,COMMAND BEFORE apt-get]): installs what dpkg lacks, as root.
define install_missing
@missing="$(call missing,$(2))"; \
if [ -n "$$missing" ]; then \
  echo "make $(1): installing $$missing"; \
  if [ "$$(id -u)" != 0 ]; then echo "make $(1): run as root (or install: $$missing)" >&2; exit 1; fi; \
  $(3) apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
fi
endef

.PHONY: all deps fuzz-deps dist-deps deps-arm64 configure build test test-arm64 sanitize static bench fleet fuzz soak demo dist clean

all: build

deps:
	$(call install_missing,deps,$(DEB_PACKAGES))

fuzz-deps: deps
	$(call install_missing,fuzz-deps,$(FUZZ_PACKAGES))

# arm64 packages need the architecture added to dpkg first.
deps-arm64: deps
	$(call install_missing,deps-arm64,$(ARM64_PACKAGES),dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64;)

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Twice as many tests as cores at once: most integration tests wait on a timer, a script or the
# emulator, not the CPU, and no test judges wall-clock time (sanitized ones compute, and keep JOBS).
TEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
test: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -j $(TEST_JOBS)

# Every test but the fleet's quick size: its agents run the code the agent and process tests run
# under the sanitizers here, while under them it alone would take a third of this suite's time.
# So only what the other tests run is built (not the fleet bench, nor the soak). Built by clang,
# the fuzzers' compiler: at -O0 with ASan it compiles this tree in 360 s of CPU where GCC 12 takes
# about 600 (the HTTP client: 47 s against 98), and the release build stays GCC's, so both
# compilers' warnings hold the code.
sanitize: fuzz-deps
	cmake -S . -B $(BUILD)/sanitize -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-16 \
	  -DHOOKD_SANITIZE="address;undefined" $(CMAKE_FLAGS)
	cmake --build $(BUILD)/sanitize -j $(JOBS) --target hookd hookd-emulator hookd_unit_tests hookd_integration_tests
	cd $(BUILD)/sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest $(CTEST_FLAGS) -j $(JOBS) -E '^fleet[.]'

# STATIC_LINKED are the packages whose headers, libraries and compiler end up inside the static
# binary. dpkg gives an upgraded file its package's own (older) time, so neither make nor CMake sees
# it: an upgrade of libssl-dev (installing libssl-dev:arm64 does one) would leave the old OpenSSL
# linked in. When the installed versions differ from the ones the build directory was made with,
# or were not recorded, the static build starts afresh.
# bench/hot_text.py then fails when a pattern of the hot-code list matches nothing in this link.
static: $(STATIC_DEPS)
	@now=$$(dpkg-query -W -f='$${binary:Package} $${Version}\n' $(STATIC_LINKED) 2>/dev/null | sort); \
	if [ -f $(STATIC_DIR)/CMakeCache.txt ] && [ "$$now" != "$$(cat $(STATIC_DIR)/packages.txt 2>/dev/null)" ]; then \
	  echo "make static: the packages linked into hookd are not those $(STATIC_DIR) was built with; building it afresh"; \
	  rm -rf $(STATIC_DIR); \
	fi; \
	mkdir -p $(STATIC_DIR) && printf '%s\n' "$$now" > $(STATIC_DIR)/packages.txt
	cmake -S . -B $(STATIC_DIR) -DCMAKE_BUILD_TYPE=MinSizeRel -DHOOKD_STATIC=ON -DHOOKD_LINK_MAP=ON $(STATIC_CMAKE) $(CMAKE_FLAGS)
	cmake --build $(STATIC_DIR) -j $(JOBS) --target hookd
	python3 bench/hot_text.py --check $(STATIC_DIR)/hookd.map cmake/hookd-hot-text.ld
	$(STRIP) $(STATIC_DIR)/hookd
	@file $(STATIC_DIR)/hookd

# The arm64 binary and its tests under qemu: the unit, supervisor and CLI tests (cross-built in the
# same tree, so Asio and Beast compile once for arm64), then the static binary in a minimal root
# against this machine's emulator over TLS.
test-arm64: build
	$(MAKE) static ARCH=arm64
	cmake --build $(BUILD)/static-arm64 -j $(JOBS) --target hookd_unit_tests hookd_supervisor_tests
	cd $(BUILD)/static-arm64 && ctest $(CTEST_FLAGS) -j $(JOBS)
	bash test/static_e2e.sh $(BUILD)/static-arm64/hookd $(BUILD)/hookd-emulator

# The agent bench measures hookd as `make static` builds it (MinSizeRel, -static), built here in the
# bench's own directory beside the benches and the emulator, so Asio and Beast compile once for all.
bench: deps
	cmake -S . -B $(BUILD)/bench -DCMAKE_BUILD_TYPE=MinSizeRel -DHOOKD_STATIC=ON -DHOOKD_BUILD_BENCH=ON \
	  -DHOOKD_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)/bench -j $(JOBS)
	$(BUILD)/bench/bench/hookd_bench_signer --benchmark_counters_tabular=true
	$(BUILD)/bench/bench/hookd_bench_supervisor --benchmark_counters_tabular=true
	@$(STRIP) -o $(BUILD)/bench/hookd.stripped $(BUILD)/bench/hookd && \
	  echo "static binary: $$(stat -c %s $(BUILD)/bench/hookd.stripped) bytes stripped" && rm $(BUILD)/bench/hookd.stripped
	HOOKD_BENCH_BINARY=$(abspath $(BUILD))/bench/hookd HOOKD_BENCH_NO_HOT_TEXT=$(abspath $(BUILD))/bench/hookd-no-hot-text \
	  $(BUILD)/bench/hookd_bench_agent

# FLEET_FLAGS="--quick" for the one-minute size; "--agents N --scale-in K --script-seconds S" to vary it.
FLEET_FLAGS ?=
fleet: static configure
	cmake --build $(BUILD) -j $(JOBS) --target hookd_bench_fleet
	ulimit -n 65536 2>/dev/null || true; HOOKD_BENCH_BINARY=$(abspath $(BUILD))/static/hookd $(BUILD)/hookd_bench_fleet $(FLEET_FLAGS)

# Every parser of outside input under libFuzzer with AddressSanitizer and UBSan, FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: fuzz-deps
	cmake -S . -B $(BUILD)/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-16 \
	  -DHOOKD_FUZZ=ON -DHOOKD_BUILD_TESTS=OFF
	cmake --build $(BUILD)/fuzz -j $(JOBS) --target hookd_fuzzers
	bash test/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

# hookd against the emulator with faults, hostile messages and SIGKILLs, SOAK_SECONDS long.
SOAK_SECONDS ?= 600
soak: configure
	cmake --build $(BUILD) -j $(JOBS) --target hookd hookd_soak
	$(BUILD)/hookd_soak --seconds $(SOAK_SECONDS)

# Two flows against the emulator: a scale-in (drains, then the terminate script), then a launch
# held by the readiness gate until a local health URL answers.
demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target hookd hookd-emulator
	bash test/demo/run-demo.sh $(BUILD)
	bash test/demo/ready-demo.sh $(BUILD)

dist-deps:
	$(call install_missing,dist-deps,$(DIST_PACKAGES))

dist: dist-deps
	$(MAKE) static ARCH=x86_64
	$(MAKE) static ARCH=arm64
	bash deploy/make-dist.sh $(BUILD)

clean:
	rm -rf $(BUILD)
