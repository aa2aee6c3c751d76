# fuzz/fuzz.mk: libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined),
# included from the Makefile. See fuzz/README.md.
#
#   make fuzz-build    build every target into build/fuzz/
#   make fuzz-replay   run each target once over its seed corpus (-runs=0); quick, for `make test`
#   make fuzz          run each target for FUZZ_SECONDS (default 60) on its corpus
#   make fuzz-one FUZZ_TARGET=fuzz_json   one target only, same settings as `make fuzz`
#   make fault-shim    the malloc-failure LD_PRELOAD shim used by tests/api/faults.test.mjs
#
# The project's sources are compiled again with the fuzzer's instrumentation
# into build/fuzz/obj (build/obj is gcc -O2 and has no coverage counters) and
# archived, so each target links only what it uses. New inputs found while
# fuzzing go to build/fuzz/corpus/<target> (the seed corpus under fuzz/corpus/
# stays as checked in); crashes go to build/fuzz/artifacts/<target>/.

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  := $(sort $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c)))
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The gcc build holds the -Werror line; clang's extra warnings must not stop fuzzing.
FUZZ_CFLAGS   := $(filter-out -O% -g -Werror,$(CFLAGS)) -Wno-format-nonliteral -O1 -g $(FUZZ_SAN)
# Everything but main(): the HTTP target seeds the demo county with cmd_demo().
FUZZ_LIB_SRC  := $(filter-out src/cli/main.c,$(SRC))
FUZZ_LIB      := $(FUZZ_DIR)/libxc.a
FUZZ_BINS     := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
# Options for every run; the HTTP target allows 10 s for one request (argon2 under ASan).
FUZZ_OPTS     ?= -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
FUZZ_ENV      := ASAN_OPTIONS=$${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
                 UBSAN_OPTIONS=$${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

.PHONY: fuzz fuzz-build fuzz-replay fuzz-one fault-shim

$(FUZZ_DIR)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC fuzz $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(call OBJ,$(FUZZ_DIR),$(FUZZ_LIB_SRC))
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.h $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ifuzz $< $(FUZZ_LIB) $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# Each target once over its seed corpus: every seed must run clean.
fuzz-replay: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  log=$(FUZZ_DIR)/logs/$$t.replay.log; mkdir -p $(FUZZ_DIR)/logs; \
	  if $(FUZZ_ENV) $(FUZZ_DIR)/$$t -runs=0 $(FUZZ_OPTS) fuzz/corpus/$$t >$$log 2>&1; then \
	    printf 'fuzz-replay %-14s %3s seeds ok\n' $$t "$$(ls fuzz/corpus/$$t | wc -l)"; \
	  else echo "fuzz-replay $$t FAILED:"; tail -n 40 $$log; exit 1; fi; \
	done

# Run targets for FUZZ_SECONDS each; a crash stops nothing else but fails the run.
define fuzz_run
  mkdir -p $(FUZZ_DIR)/corpus/$(1) $(FUZZ_DIR)/artifacts/$(1) $(FUZZ_DIR)/logs; \
  log=$(FUZZ_DIR)/logs/$(1).log; \
  if $(FUZZ_ENV) $(FUZZ_DIR)/$(1) -max_total_time=$(FUZZ_SECONDS) $(FUZZ_OPTS) \
       $(if $(wildcard fuzz/$(1).dict),-dict=fuzz/$(1).dict) -artifact_prefix=$(FUZZ_DIR)/artifacts/$(1)/ $(FUZZ_DIR)/corpus/$(1) fuzz/corpus/$(1) >$$log 2>&1; \
  then res=ok; else res=CRASH; fail="$$fail $(1)"; fi; \
  printf 'fuzz %-14s %-5s %s runs, %s exec/s, %s coverage edges, corpus %s\n' $(1) $$res \
    "$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log)" \
    "$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log)" \
    "$$(grep -Eo 'cov: [0-9]+' $$log | tail -n 1 | grep -Eo '[0-9]+')" \
    "$$(ls $(FUZZ_DIR)/corpus/$(1) | wc -l)"; \
  if [ $$res = CRASH ]; then $(call fuzz_cause,$$log); fi;
endef

# What a crash was, for a reader who sees only the end of the output: the
# first line that says why (a harness invariant or message, a sanitizer's
# report, a timeout; "deadly signal" only when nothing earlier says more),
# 30 lines from there, and the input in base64.
FUZZ_CAUSE_RE := invariant failed|^fuzz_[a-z]+: fatal:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|ALARM
define fuzz_cause
  n=$$(grep -n -m 1 -E '$(FUZZ_CAUSE_RE)' $(1) | cut -d: -f1); \
  echo "  cause: $$(sed -n "$${n:-1}p" $(1))"; \
  sed -n "$${n:-1},$$(( $${n:-1} + 30 ))p" $(1) | sed 's/^/    /'; \
  sed -n 's/^Base64: /  input (base64): /p' $(1)
endef

fuzz: fuzz-build
	@fail=""; $(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t))) \
	if [ -n "$$fail" ]; then echo "fuzzing found crashes in:$$fail (inputs in $(FUZZ_DIR)/artifacts/)"; exit 1; fi

fuzz-one: $(FUZZ_DIR)/$(FUZZ_TARGET)
	@fail=""; $(call fuzz_run,$(FUZZ_TARGET)) [ -z "$$fail" ]

# LD_PRELOAD shim failing the Nth malloc after a trigger (tests/api/faults.test.mjs).
fault-shim: $(FUZZ_DIR)/failmalloc.so
$(FUZZ_DIR)/failmalloc.so: fuzz/failmalloc.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC -shared $< -ldl -o $@
