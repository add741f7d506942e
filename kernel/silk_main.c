// SPDX-License-Identifier: GPL-2.0
/*
 * silk.ko: block devices backed by Silk volumes.  Module parameters, the
 * workqueues, and module init/exit.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/workqueue.h>
#include "silk_dev.h"

struct silk_params silk_params = {
	.max_queues		= 16,
	.queue_depth		= 128,
	.io_timeout_ms		= 30000,
	.loss_timeout_ms	= 30000,
	.keepalive_ms		= 5000,
	.connect_timeout_ms	= 5000,
	.reconnect_delay_max_ms	= 5000,
	.max_retries		= 5,
};
EXPORT_SYMBOL_GPL(silk_params);

module_param_named(max_queues, silk_params.max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues,
		 "Most hardware queues (connections) per device, 1-256 (default 16; never more than online CPUs)");
module_param_named(queue_depth, silk_params.queue_depth, uint, 0444);
MODULE_PARM_DESC(queue_depth,
		 "Default requests in flight per queue, 1-1024 (default 128)");
module_param_named(io_timeout_ms, silk_params.io_timeout_ms, uint, 0444);
MODULE_PARM_DESC(io_timeout_ms,
		 "Default per-request timeout in ms before the connection is reset and the request retried (default 30000)");
module_param_named(loss_timeout_ms, silk_params.loss_timeout_ms, uint, 0444);
MODULE_PARM_DESC(loss_timeout_ms,
		 "Default time in ms a device waits for its server before failing I/O with EIO (default 30000)");
module_param_named(keepalive_ms, silk_params.keepalive_ms, uint, 0444);
MODULE_PARM_DESC(keepalive_ms,
		 "Keep-alive interval in ms on idle connections, 0 disables (default 5000)");
module_param_named(connect_timeout_ms, silk_params.connect_timeout_ms, uint,
		   0444);
MODULE_PARM_DESC(connect_timeout_ms,
		 "Timeout in ms for connecting (TCP connect, or each rdma_cm step) and for the HELLO exchange (default 5000)");
module_param_named(reconnect_delay_max_ms, silk_params.reconnect_delay_max_ms,
		   uint, 0444);
MODULE_PARM_DESC(reconnect_delay_max_ms,
		 "Longest pause in ms between reconnect attempts; backoff starts at 100 ms (default 5000)");
module_param_named(max_retries, silk_params.max_retries, uint, 0444);
MODULE_PARM_DESC(max_retries,
		 "Times a request is retried after a timeout or a busy/stale reply before it fails (default 5)");

struct workqueue_struct *silk_io_wq;
EXPORT_SYMBOL_GPL(silk_io_wq);
struct workqueue_struct *silk_ctrl_wq;

/* Bring parameters given at load time into their valid ranges. */
static void silk_params_sanitize(void)
{
	struct silk_params *p = &silk_params;

	p->max_queues = clamp(p->max_queues, 1u, SILK_MAX_HW_QUEUES);
	p->queue_depth = clamp(p->queue_depth, 1u, SILK_MAX_QUEUE_DEPTH);
	p->io_timeout_ms = clamp(p->io_timeout_ms, SILK_IO_TIMEOUT_MIN_MS,
				 SILK_IO_TIMEOUT_MAX_MS);
	p->loss_timeout_ms = min(p->loss_timeout_ms, SILK_LOSS_TIMEOUT_MAX_MS);
	p->connect_timeout_ms = clamp(p->connect_timeout_ms, 100u, 600000u);
	p->reconnect_delay_max_ms = clamp(p->reconnect_delay_max_ms, 100u,
					  3600000u);
	p->max_retries = min(p->max_retries, 100u);
}

static int __init silk_init(void)
{
	int ret;

	silk_params_sanitize();
	silk_io_wq = alloc_workqueue("silk_io", WQ_MEM_RECLAIM | WQ_HIGHPRI,
				     0);
	if (!silk_io_wq)
		return -ENOMEM;
	silk_ctrl_wq = alloc_workqueue("silk_ctrl", WQ_MEM_RECLAIM | WQ_UNBOUND,
				       0);
	if (!silk_ctrl_wq) {
		ret = -ENOMEM;
		goto out_io_wq;
	}
	ret = silk_dev_init();
	if (ret)
		goto out_ctrl_wq;
	ret = silk_transport_register(&silk_tcp_ops);
	if (ret)
		goto out_dev;
	ret = silk_netlink_init();
	if (ret)
		goto out_tcp;
	pr_info("silk: loaded (protocol %u-%u)\n", SILK_PROTO_VERSION_MIN,
		SILK_PROTO_VERSION_MAX);
	return 0;

out_tcp:
	silk_transport_unregister(&silk_tcp_ops);
out_dev:
	silk_dev_exit();
out_ctrl_wq:
	destroy_workqueue(silk_ctrl_wq);
out_io_wq:
	destroy_workqueue(silk_io_wq);
	return ret;
}

static void __exit silk_exit(void)
{
	/* Remove with events still flowing, then catch devices added by a
	 * DEV_ADD that was running while the family went away.
	 */
	silk_dev_remove_all();
	silk_netlink_exit();
	silk_dev_remove_all();
	silk_transport_unregister(&silk_tcp_ops);
	silk_dev_exit();
	destroy_workqueue(silk_ctrl_wq);
	destroy_workqueue(silk_io_wq);
	pr_info("silk: unloaded\n");
}

module_init(silk_init);
module_exit(silk_exit);

MODULE_AUTHOR("Silk developers");
MODULE_DESCRIPTION("Silk block device over the Silk wire protocol (TCP built in; RDMA: silk_rdma)");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: crc32c");
