# The README's commands. Each installs missing Debian packages first, then builds.
PREFIX ?= /usr/local
JOBS   ?= $(shell nproc)
BUILD  := build
ASAN   := build-asan

.PHONY: all build test demo clean install deps test-deps unit asan deb

all: build

deps:
	@bash scripts/install-deps.sh build

test-deps:
	@bash scripts/install-deps.sh test

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

# Two passes: a normal build, then AddressSanitizer + UndefinedBehaviorSanitizer
# (leaks fail). Both must pass.
test: test-deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DWL_SANITIZE=ON >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

demo: build
	./$(BUILD)/wfmlink demo

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# A Debian package of the normal build: build/wfmlink_VERSION_ARCH.deb
deb: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(ASAN)
