# xiangcun — build, run and test. `make run` and `make test` are the two
# commands a new machine needs (both install what is missing first).

CC       ?= cc
PKGS     := libmicrohttpd sqlite3 libpq jansson libsodium liboath libzip expat xlsxwriter
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wformat=2 -fno-strict-aliasing -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

SRC      := $(sort $(wildcard src/*/*.c))
LIB_SRC  := $(filter-out src/cli/%,$(SRC))
CLI_SRC  := $(filter src/cli/%,$(SRC))

BUILD    := build
ASAN_DIR := build/asan
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

OBJ      = $(patsubst src/%.c,$(1)/obj/%.o,$(2))

.PHONY: all asan run test unit-bins unit-asan-bins deps test-deps bench soak clean

all: $(BUILD)/xiangcun

# V=1 shows the full compiler command lines.
Q        := $(if $(V),,@)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(ASAN_DIR)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN) -MMD -MP -c $< -o $@

$(BUILD)/xiangcun: $(call OBJ,$(BUILD),$(SRC))
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

asan: $(ASAN_DIR)/xiangcun
$(ASAN_DIR)/xiangcun: $(call OBJ,$(ASAN_DIR),$(SRC))
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ $(LDLIBS) -o $@

# Unit tests: one cmocka program per tests/unit/test_*.c, linked with the library objects.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
UNIT_ASAN := $(patsubst tests/unit/%.c,$(ASAN_DIR)/tests/%,$(UNIT_SRC))

$(BUILD)/tests/%: tests/unit/%.c $(call OBJ,$(BUILD),$(LIB_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(ASAN_DIR)/tests/%: tests/unit/%.c $(call OBJ,$(ASAN_DIR),$(LIB_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN) $^ $(LDLIBS) -lcmocka -o $@

unit-bins: $(UNIT_BIN)
unit-asan-bins: $(UNIT_ASAN)

deps:
	@scripts/deps

test-deps:
	@scripts/deps test

run: deps all
	@build/xiangcun demo
	@exec build/xiangcun serve

test: test-deps
	@$(MAKE) --no-print-directory all asan unit-bins unit-asan-bins
	@tests/run-all

bench:
	@scripts/deps bench
	@bench/run

soak:
	@scripts/deps bench
	@bench/soak

clean:
	rm -rf $(BUILD)

# Fuzzing (libFuzzer targets, seed corpus replay) lives in its own file.
-include fuzz/fuzz.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
