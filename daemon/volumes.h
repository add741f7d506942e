/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The volume registry of one node: the persisted metadata (meta.h), the
 * open backings (store.h) and the in-memory table the workers look names
 * up in at HELLO.  Administrative changes are serialized and persisted
 * before they take effect; lookups take a short lock only.
 */
#ifndef SILK_DAEMON_VOLUMES_H
#define SILK_DAEMON_VOLUMES_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta.h"
#include "vol.h"

struct volreg {
	pthread_mutex_t lock;	/* protects vols/n */
	pthread_mutex_t admin;	/* serializes create/delete/resize, meta */
	char data_dir[PATH_MAX];
	char meta_path[PATH_MAX + 16];
	char vol_dir[PATH_MAX + 16];
	struct meta meta;
	struct vol **vols;
	size_t n;
};

/*
 * Load DATA_DIR/silkd.json (creating DATA_DIR/volumes when missing) and
 * open every volume's backing.  A corrupt metadata file is an error; a
 * backing that cannot be opened leaves that volume unavailable (logged).
 */
int volreg_open(struct volreg *r, const char *data_dir, char *err,
		size_t errlen);
void volreg_close(struct volreg *r);

/* HELLO: returns SILK_S_OK with *out referenced and its conns raised. */
int volreg_attach(struct volreg *r, const char *name, struct vol **out);
void volreg_detach(struct volreg *r, struct vol *v);

/* Referenced copy of the table; free with volreg_put_all(). */
struct vol **volreg_get_all(struct volreg *r, size_t *n);
void volreg_put_all(struct vol **vols, size_t n);
/* Referenced volume by name, or NULL. */
struct vol *volreg_get(struct volreg *r, const char *name);

/* The following return 0 or -errno with a one-line reason in err. */
int volreg_create(struct volreg *r, const char *name, uint64_t size,
		  uint32_t block_size, const char *backing, struct vol **out,
		  char *err, size_t errlen);
int volreg_delete(struct volreg *r, const char *name, bool force, char *err,
		  size_t errlen);
int volreg_resize(struct volreg *r, const char *name, uint64_t size,
		  struct vol **out, char *err, size_t errlen);
/* fsync every open backing; returns the number that failed. */
int volreg_sync_all(struct volreg *r);

#endif
