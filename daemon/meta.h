/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Volume metadata: DATA_DIR/silkd.json.  Saved atomically (temp file,
 * fsync, rename, fsync of the directory) so that a crash leaves either the
 * old or the new file.  Loading validates everything and never repairs:
 * a corrupt file is an error for the administrator to look at.
 */
#ifndef SILK_DAEMON_META_H
#define SILK_DAEMON_META_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "silk_proto.h"

#define META_FILE "silkd.json"
#define META_FORMAT 1

struct meta_vol {
	char name[SILK_VOLUME_NAME_MAX + 1];
	uint32_t id;
	uint64_t size;
	uint32_t block_size;
	bool bdev;
	char path[PATH_MAX];
	uint64_t epoch;
};

struct meta {
	uint32_t next_id;
	size_t n;
	struct meta_vol *vols;
};

void meta_init(struct meta *m);
void meta_free(struct meta *m);
/* Append a copy of v; returns 0 or -ENOMEM. */
int meta_add(struct meta *m, const struct meta_vol *v);
/* Remove the volume with this name; returns 0 or -ENOENT. */
int meta_remove(struct meta *m, const char *name);
int meta_copy(struct meta *dst, const struct meta *src);

/*
 * Load path into m.  Returns 0, 1 when the file does not exist (m empty,
 * next_id 1), or -1 with a one-line reason in err (m empty).
 */
int meta_load(const char *path, struct meta *m, char *err, size_t errlen);
/* Atomically replace path with m.  Returns 0 or -errno with err set. */
int meta_save(const char *path, const struct meta *m, char *err, size_t errlen);
/* Check invariants (names, ids, sizes, paths); 0 or -1 with err set. */
int meta_validate(const struct meta *m, char *err, size_t errlen);

#endif
