# silkd RDMA transport unit tests: the pure parts (capsules, rdma_cm
# private data, grants, replies), its settings, and the session hooks it
# uses.  Verbs themselves only run in the VM (no rxe on the host).
# Needs daemon.mk (included first: fragments are sorted) for the
# sanitized daemon objects.
RDMA_T_TESTS := $(addprefix unit/,test_rdma_capsule test_rdma_config \
	test_rdma_sess test_rdma_dev)

UNIT_TESTS += $(RDMA_T_TESTS)

$(RDMA_T_TESTS): unit/%: unit/%.c $(SILKD_T_OBJS)
	$(CC) $(SILKD_T_CFLAGS) -o $@ $< $(SILKD_T_OBJS) $(SILKD_T_LIBS)
