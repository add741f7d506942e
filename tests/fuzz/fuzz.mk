# libFuzzer target for silkd's message parser (scripts/fuzz.sh runs it).
FUZZ_CC ?= clang
SILKD_FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	-Wno-unused-parameter -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I$(TOP)/include -I$(TOP)/daemon
SILKD_FUZZ_SRCS := $(addprefix $(TOP)/daemon/,proto.c sess.c vol.c)

FUZZ_TARGETS += fuzz/fuzz_proto fuzz/gen_seeds

fuzz/fuzz_proto: fuzz/fuzz_proto.c $(SILKD_FUZZ_SRCS) $(wildcard $(TOP)/daemon/*.h)
	$(FUZZ_CC) $(SILKD_FUZZ_FLAGS) -o $@ fuzz/fuzz_proto.c $(SILKD_FUZZ_SRCS) \
		$(ISAL_LIBS)

fuzz/gen_seeds: fuzz/gen_seeds.c $(TOP)/daemon/proto.c
	$(CC) $(BASE_CFLAGS) -I$(TOP)/daemon -o $@ fuzz/gen_seeds.c \
		$(TOP)/daemon/proto.c $(ISAL_LIBS)
