// SPDX-License-Identifier: GPL-2.0
/*
 * silkd's RDMA device registry: which kernel uevents say that an RDMA
 * device came or went (rdma_uevent_flags), and that a registry sets up
 * and goes away cleanly.  The device removal itself needs a device: the
 * integration test rdma-link-delete covers it in the VM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rdma_dev.h"

/* A uevent as the kernel sends it: strings that each end in NUL. */
#define UEV(s) s, sizeof(s) - 1

static void test_uverbs_remove(void **state)
{
	(void)state;
	assert_int_equal(rdma_uevent_flags(UEV(
		"remove@/devices/virtual/infiniband_verbs/uverbs0\0"
		"ACTION=remove\0"
		"DEVPATH=/devices/virtual/infiniband_verbs/uverbs0\0"
		"SUBSYSTEM=infiniband_verbs\0"
		"MAJOR=231\0MINOR=192\0DEVNAME=infiniband/uverbs0\0"
		"SEQNUM=2291\0")), RDMA_DEVS_REMOVED);
}

static void test_device_add(void **state)
{
	(void)state;
	assert_int_equal(rdma_uevent_flags(UEV(
		"add@/devices/virtual/net/d0/infiniband/rxe0\0"
		"ACTION=add\0"
		"DEVPATH=/devices/virtual/net/d0/infiniband/rxe0\0"
		"SUBSYSTEM=infiniband\0NAME=rxe0\0SEQNUM=2301\0")),
		RDMA_DEVS_ADDED);
}

static void test_other_devices(void **state)
{
	(void)state;
	assert_int_equal(rdma_uevent_flags(UEV(
		"remove@/devices/virtual/block/silk0\0"
		"ACTION=remove\0DEVPATH=/devices/virtual/block/silk0\0"
		"SUBSYSTEM=block\0DEVNAME=silk0\0DEVTYPE=disk\0SEQNUM=7\0")), 0);
	assert_int_equal(rdma_uevent_flags(UEV(
		"add@/devices/virtual/net/d0\0ACTION=add\0"
		"DEVPATH=/devices/virtual/net/d0\0SUBSYSTEM=net\0"
		"INTERFACE=d0\0IFINDEX=3\0SEQNUM=8\0")), 0);
}

static void test_other_actions(void **state)
{
	(void)state;
	assert_int_equal(rdma_uevent_flags(UEV(
		"change@/devices/virtual/net/d0/infiniband/rxe0\0"
		"ACTION=change\0SUBSYSTEM=infiniband\0SEQNUM=9\0")), 0);
	assert_int_equal(rdma_uevent_flags(UEV(
		"bind@/devices/virtual/net/d0/infiniband/rxe0\0"
		"ACTION=bind\0SUBSYSTEM=infiniband\0SEQNUM=10\0")), 0);
	/* Only whole strings count. */
	assert_int_equal(rdma_uevent_flags(UEV(
		"x\0ACTION=removed\0SUBSYSTEM=infiniband\0")), 0);
}

static void test_malformed(void **state)
{
	(void)state;
	assert_int_equal(rdma_uevent_flags("", 0), 0);
	/* The header alone names no action. */
	assert_int_equal(rdma_uevent_flags(UEV(
		"remove@/devices/virtual/infiniband/rxe0\0")), 0);
	/* Cut in the middle of a string, without its NUL. */
	assert_int_equal(rdma_uevent_flags(
		"x\0SUBSYSTEM=infiniband\0ACTION=rem", 33), 0);
	assert_int_equal(rdma_uevent_flags(
		"x\0ACTION=remove\0SUBSYSTEM=infini", 32), 0);
	/* No NUL at the end of the last string: still read whole. */
	assert_int_equal(rdma_uevent_flags(
		"x\0ACTION=remove\0SUBSYSTEM=infiniband", 36), RDMA_DEVS_REMOVED);
}

static void test_registry(void **state)
{
	struct rdma_devs *d;

	(void)state;
	d = rdma_devs_new();
	assert_non_null(d);
	assert_true(rdma_devs_fd(d) >= 0);
	/* Nothing to do yet, nothing in use. */
	assert_int_equal(rdma_devs_run(d), 0);
	assert_int_equal(rdma_devs_check(d), 0);
	rdma_devs_close(d);
	rdma_devs_free(d);
	rdma_devs_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uverbs_remove),
		cmocka_unit_test(test_device_add),
		cmocka_unit_test(test_other_devices),
		cmocka_unit_test(test_other_actions),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
