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
# A package is missing when dpkg does not list it as installed.
missing = $(shell for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done)
MISSING = $(call missing,$(DEB_PACKAGES))

.PHONY: all deps fuzz-deps configure build test sanitize static bench fleet fuzz soak hot-text demo dist clean

all: build

deps:
	@missing="$(MISSING)"; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing $$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (or install: $$missing)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

fuzz-deps: deps
	@missing="$(call missing,$(FUZZ_PACKAGES))"; \
	if [ -n "$$missing" ]; then \
	  echo "make fuzz-deps: installing $$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make fuzz-deps: run as root (or install: $$missing)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -j $(JOBS)

sanitize: deps
	cmake -S . -B $(BUILD)/sanitize -DCMAKE_BUILD_TYPE=Debug -DHOOKD_SANITIZE="address;undefined" $(CMAKE_FLAGS)
	cmake --build $(BUILD)/sanitize -j $(JOBS)
	cd $(BUILD)/sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest $(CTEST_FLAGS) -j $(JOBS)

static: deps
	cmake -S . -B $(BUILD)/static -DCMAKE_BUILD_TYPE=MinSizeRel -DHOOKD_STATIC=ON -DHOOKD_LINK_MAP=ON -DHOOKD_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)/static -j $(JOBS) --target hookd
	python3 bench/hot_text.py --check $(BUILD)/static/hookd.map cmake/hookd-hot-text.ld
	strip $(BUILD)/static/hookd
	@file $(BUILD)/static/hookd

bench: static
	cmake -S . -B $(BUILD)/bench -DCMAKE_BUILD_TYPE=Release -DHOOKD_BUILD_BENCH=ON -DHOOKD_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)/bench -j $(JOBS)
	$(BUILD)/bench/bench/hookd_bench_signer --benchmark_counters_tabular=true
	$(BUILD)/bench/bench/hookd_bench_supervisor --benchmark_counters_tabular=true
	@echo "static binary: $$(stat -c %s $(BUILD)/static/hookd) bytes stripped"
	HOOKD_BENCH_BINARY=$(abspath $(BUILD))/static/hookd $(BUILD)/bench/bench/hookd_bench_agent

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

# Regenerates cmake/hookd-hot-text.ld (commit it) from a callgrind profile of the static hookd.
hot-text: deps
	bash bench/hot-text.sh $(BUILD)

demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target hookd hookd-emulator
	bash test/demo/run-demo.sh $(BUILD)

dist: static
	bash deploy/make-dist.sh $(BUILD)

clean:
	rm -rf $(BUILD)
