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
# the figures they print. Not part of `make check`. The kiosk's need a display: Xvfb,
# as for the tests, when there is none.
bench: build
	if [ -n "$$DISPLAY" ]; then \
	  meson test -C $(BUILD) --benchmark --suite bench --verbose; \
	else \
	  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" \
	    meson test -C $(BUILD) --benchmark --suite bench --verbose; \
	fi

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
