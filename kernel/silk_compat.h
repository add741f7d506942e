/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small wrappers around kernel APIs that changed after 6.1, the kernel
 * silk.ko targets (Debian 12).  Everything version dependent goes here,
 * keyed on the feature (a macro the newer API defines), not on
 * LINUX_VERSION_CODE (stable kernels backport; Debian's 6.1 has
 * sk_use_task_frag and MSG_SPLICE_PAGES).  Features without a macro are
 * tested in Kbuild (SILK_HAVE_*).
 */
#ifndef _SILK_COMPAT_H
#define _SILK_COMPAT_H

#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/sock.h>

/*
 * Send @len bytes of @page at @offset without copying when the page can be
 * referenced by the network stack (not slab, refcount > 0), by copying
 * otherwise.  Up to 6.4 that is ->sendpage(); 6.5 removed it (and
 * MSG_SENDPAGE_NOTLAST with it) in favour of sendmsg(MSG_SPLICE_PAGES).
 * Keyed on MSG_SENDPAGE_NOTLAST, not MSG_SPLICE_PAGES: Debian's 6.1 stable
 * kernels define MSG_SPLICE_PAGES (backported for UDP and espintcp) while
 * their tcp_sendmsg() ignores it and copies every byte into freshly
 * allocated (and, with init_on_alloc, zeroed) page fragments.
 */
static inline int silk_sock_send_page(struct socket *sock, struct page *page,
				      int offset, size_t len, int flags)
{
#ifdef MSG_SENDPAGE_NOTLAST
	if (sendpage_ok(page))
		return kernel_sendpage(sock, page, offset, len, flags);
	return sock_no_sendpage(sock, page, offset, len, flags);
#else
	struct bio_vec bv;
	struct msghdr msg = { .msg_flags = flags };

	if (sendpage_ok(page))
		msg.msg_flags |= MSG_SPLICE_PAGES;
	bvec_set_page(&bv, page, len, offset);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, len);
	return sock_sendmsg(sock, &msg);
#endif
}

/*
 * Our sockets send from the block layer, possibly inside memory reclaim
 * under a task that was itself in the middle of a sendmsg() using
 * current->task_frag: they must not use it.  Where struct sock can say so
 * (6.2, and 6.1 stable), say so and keep GFP_NOIO; elsewhere allocate
 * atomically, which makes sk_page_frag() use the socket's own fragment
 * (what nvme-tcp did before sk_use_task_frag existed).
 */
static inline void silk_sock_set_alloc(struct sock *sk)
{
#ifdef SILK_HAVE_SK_USE_TASK_FRAG
	sk->sk_allocation = GFP_NOIO;
	sk->sk_use_task_frag = false;
#else
	sk->sk_allocation = GFP_ATOMIC;
#endif
}

/* 6.1 has no ITER_DEST; READ means "into the iterator". */
#ifdef ITER_DEST
#define SILK_ITER_DEST	ITER_DEST
#else
#define SILK_ITER_DEST	READ
#endif

/* sendpage hint "more pages follow" (gone with ->sendpage in 6.5). */
#ifdef MSG_SENDPAGE_NOTLAST
#define SILK_MSG_MORE_PAGES	(MSG_MORE | MSG_SENDPAGE_NOTLAST)
#else
#define SILK_MSG_MORE_PAGES	MSG_MORE
#endif

#endif /* _SILK_COMPAT_H */
