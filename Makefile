# SPDX-License-Identifier: GPL-3.0-or-later
# `make run` and `make check` are the two commands of the README; both install what is
# missing first (tools/install-deps), so they work on a fresh Debian 12.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all deps build run check fuzz bench clean

all: build

deps:
	@./tools/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dprofile=development

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

# The app from the build tree: its schema and translations from there too.
run: build
	GSETTINGS_SCHEMA_DIR=$(BUILD)/data ATRIUM_LOCALEDIR=$(BUILD)/po \
	  $(BUILD)/src/app/atrium --demo

check: deps
	@BUILD=$(BUILD) ASAN_BUILD=$(ASAN_BUILD) FUZZ_BUILD=$(FUZZ_BUILD) \
	  FUZZ_SECONDS=$(FUZZ_SECONDS) ./tools/check

fuzz: deps
	@BUILD=$(BUILD) ASAN_BUILD=$(ASAN_BUILD) FUZZ_BUILD=$(FUZZ_BUILD) \
	  FUZZ_SECONDS=$(FUZZ_SECONDS) ./tools/check --fuzz-only

# The benchmarks of tools/bench (meson benchmark(), suite 'bench'), one at a time, with
# the figures they print. Not part of `make check`.
bench: build
	meson test -C $(BUILD) --benchmark --suite bench --verbose

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
