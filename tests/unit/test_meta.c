// SPDX-License-Identifier: GPL-2.0
/*
 * Volume metadata (atomic save, strict load, corrupt files refused and left
 * alone) and the volume registry built on it (create/delete/resize persist
 * across a restart, ids are never reused, busy volumes are protected).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "meta.h"
#include "volumes.h"

struct fx {
	char dir[64];
	char file[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/silk-meta-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->file, sizeof(f->file), "%s/%s", f->dir, META_FILE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void put_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *get_file(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static struct meta_vol mkvol(const char *name, uint32_t id)
{
	struct meta_vol v = { .id = id, .size = 1 << 20, .block_size = 4096 };

	snprintf(v.name, sizeof(v.name), "%s", name);
	snprintf(v.path, sizeof(v.path), "/var/lib/silk/volumes/%s.img", name);
	return v;
}

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct meta m, l;
	struct meta_vol a = mkvol("a", 1), b = mkvol("b", 3);
	char err[256];

	meta_init(&m);
	b.bdev = true;
	b.block_size = 512;
	b.size = 512 * 3;
	b.epoch = 9;
	snprintf(b.path, sizeof(b.path), "/dev/sdz");
	assert_int_equal(meta_add(&m, &a), 0);
	assert_int_equal(meta_add(&m, &b), 0);
	m.next_id = 4;
	assert_int_equal(meta_save(f->file, &m, err, sizeof(err)), 0);
	assert_int_equal(meta_load(f->file, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.next_id, 4);
	for (int i = 0; i < 2; i++) {
		const struct meta_vol *w = i ? &b : &a, *g = &l.vols[i];

		assert_string_equal(g->name, w->name);
		assert_string_equal(g->path, w->path);
		assert_int_equal(g->id, w->id);
		assert_int_equal(g->size, w->size);
		assert_int_equal(g->block_size, w->block_size);
		assert_int_equal(g->bdev, w->bdev);
		assert_int_equal(g->epoch, w->epoch);
	}
	assert_int_equal(access(f->file, R_OK), 0);
	{
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "%s.tmp", f->file);
		assert_int_equal(access(tmp, F_OK), -1);
	}
	meta_free(&m);
	meta_free(&l);
}

static void test_absent(void **state)
{
	struct fx *f = *state;
	struct meta m;
	char err[256];

	assert_int_equal(meta_load(f->file, &m, err, sizeof(err)), 1);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.next_id, 1);
}

static void corrupt(struct fx *f, const char *text, const char *why)
{
	struct meta m;
	char err[512];

	put_file(f->file, text);
	if (meta_load(f->file, &m, err, sizeof(err)) != -1) {
		print_error("'%s' was accepted\n", text);
		fail();
	}
	assert_int_equal(m.n, 0);
	if (!strstr(err, why) || !strstr(err, f->file)) {
		print_error("error '%s' lacks '%s'\n", err, why);
		fail();
	}
	/* Never repaired or overwritten by loading. */
	assert_string_equal(get_file(f->file), text);
}

#define VOL(extra) "{\"format\":1,\"next_id\":5,\"volumes\":[" extra "]}"
#define GOODV "{\"name\":\"a\",\"id\":1,\"size\":4096,\"block_size\":4096," \
	"\"backing\":\"file\",\"path\":\"/x/a.img\",\"epoch\":0}"

static void test_corrupt_files(void **state)
{
	struct fx *f = *state;

	corrupt(f, "", "not valid JSON");
	corrupt(f, "garbage", "not valid JSON");
	corrupt(f, "{\"format\":1,\"next_id\":2,\"volumes\":[", "not valid JSON");
	corrupt(f, VOL(GOODV) "trailing", "trailing data");
	corrupt(f, "[]", "top level is not an object");
	corrupt(f, "{\"format\":2,\"next_id\":1,\"volumes\":[]}", "unsupported format");
	corrupt(f, "{\"format\":1,\"volumes\":[]}", "next_id");
	corrupt(f, "{\"format\":1,\"next_id\":1}", "'volumes' missing");
	corrupt(f, VOL("5"), "volumes[0]: not an object");
	corrupt(f, VOL("{\"name\":\"a\"}"), "volumes[0]");
	corrupt(f, VOL("{\"name\":\"a\",\"id\":\"1\",\"size\":4096,\"block_size\":4096,"
		       "\"backing\":\"file\",\"path\":\"/x\",\"epoch\":0}"),
		"'id' missing or not an integer");
	corrupt(f, VOL("{\"name\":\"a\",\"id\":1,\"size\":-4096,\"block_size\":4096,"
		       "\"backing\":\"file\",\"path\":\"/x\",\"epoch\":0}"),
		"'size' out of range");
	corrupt(f, VOL("{\"name\":\"a\",\"id\":1,\"size\":4096,\"block_size\":1024,"
		       "\"backing\":\"file\",\"path\":\"/x\",\"epoch\":0}"),
		"block_size");
	corrupt(f, VOL("{\"name\":\"a\",\"id\":1,\"size\":4000,\"block_size\":4096,"
		       "\"backing\":\"file\",\"path\":\"/x\",\"epoch\":0}"),
		"not a positive multiple");
	corrupt(f, VOL("{\"name\":\"a\",\"id\":9,\"size\":4096,\"block_size\":4096,"
		       "\"backing\":\"file\",\"path\":\"/x\",\"epoch\":0}"),
		"id 9 not in");
	corrupt(f, VOL("{\"name\":\"../a\",\"id\":1,\"size\":4096,\"block_size\":4096,"
		       "\"backing\":\"file\",\"path\":\"/x\",\"epoch\":0}"),
		"invalid name");
	corrupt(f, VOL("{\"name\":\"a\",\"id\":1,\"size\":4096,\"block_size\":4096,"
		       "\"backing\":\"tape\",\"path\":\"/x\",\"epoch\":0}"),
		"backing must be");
	corrupt(f, VOL("{\"name\":\"a\",\"id\":1,\"size\":4096,\"block_size\":4096,"
		       "\"backing\":\"file\",\"path\":\"x\",\"epoch\":0}"),
		"path not absolute");
	corrupt(f, VOL(GOODV "," GOODV), "share a name or id");
}

static void test_nul_bytes(void **state)
{
	struct fx *f = *state;
	struct meta m;
	char err[256];
	int fd = open(f->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"format\":1\0}", 13), 13);
	close(fd);
	assert_int_equal(meta_load(f->file, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
}

static void test_failed_save_keeps_old(void **state)
{
	struct fx *f = *state;
	struct meta m, l;
	struct meta_vol a = mkvol("a", 1);
	char err[256], tmp[160], before[65536];

	meta_init(&m);
	meta_add(&m, &a);
	m.next_id = 2;
	assert_int_equal(meta_save(f->file, &m, err, sizeof(err)), 0);
	snprintf(before, sizeof(before), "%s", get_file(f->file));
	/* Make the temp file impossible to create: the save must fail... */
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->file);
	assert_int_equal(mkdir(tmp, 0700), 0);
	a = mkvol("b", 2);
	meta_add(&m, &a);
	m.next_id = 3;
	assert_true(meta_save(f->file, &m, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, ".tmp"));
	/* ...and the old file is untouched and still loads. */
	assert_string_equal(get_file(f->file), before);
	assert_int_equal(meta_load(f->file, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	meta_free(&l);
	rmdir(tmp);
	/* A stale temp file full of garbage does not matter either. */
	put_file(tmp, "garbage");
	assert_int_equal(meta_load(f->file, &l, err, sizeof(err)), 0);
	meta_free(&l);
	assert_int_equal(meta_save(f->file, &m, err, sizeof(err)), 0);
	assert_int_equal(meta_load(f->file, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	meta_free(&l);
	/* An invalid table is refused before anything is written. */
	m.vols[1].block_size = 7;
	assert_int_equal(meta_save(f->file, &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(meta_load(f->file, &l, err, sizeof(err)), 0);
	assert_int_equal(l.vols[1].block_size, 4096);
	meta_free(&m);
	meta_free(&l);
}

static void test_registry_persists(void **state)
{
	struct fx *f = *state;
	struct volreg r;
	struct vol *v = NULL;
	char err[256];
	size_t n;
	struct vol **all;

	assert_int_equal(volreg_open(&r, f->dir, err, sizeof(err)), 0);
	assert_int_equal(volreg_create(&r, "a", 1 << 20, 4096, NULL, &v, err,
				       sizeof(err)), 0);
	assert_int_equal(v->id, 1);
	assert_true(v->fd >= 0);
	vol_unref(v);
	assert_int_equal(volreg_create(&r, "b", 1 << 20, 512, NULL, NULL, err,
				       sizeof(err)), 0);
	assert_int_equal(volreg_create(&r, "a", 1 << 20, 4096, NULL, NULL, err,
				       sizeof(err)), -EEXIST);
	assert_int_equal(volreg_create(&r, "bad name", 1 << 20, 4096, NULL, NULL,
				       err, sizeof(err)), -EINVAL);
	assert_int_equal(volreg_create(&r, "c", 1000, 4096, NULL, NULL, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(volreg_create(&r, "c", 0, 512, NULL, NULL, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(volreg_create(&r, "c", 4096, 1024, NULL, NULL, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(volreg_create(&r, "c", 4096, 4096, "relative", NULL,
				       err, sizeof(err)), -EINVAL);
	assert_int_equal(volreg_create(&r, "c", 4096, 4096, "/dev/null", NULL,
				       err, sizeof(err)), -ENOTBLK);
	assert_int_equal(volreg_delete(&r, "a", false, err, sizeof(err)), 0);
	assert_int_equal(volreg_delete(&r, "a", false, err, sizeof(err)), -ENOENT);
	assert_int_equal(volreg_resize(&r, "b", 2 << 20, &v, err, sizeof(err)), 0);
	vol_unref(v);
	assert_int_equal(volreg_resize(&r, "b", 1 << 20, &v, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "shrink"));
	assert_int_equal(volreg_resize(&r, "b", (2 << 20) + 100, &v, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(volreg_resize(&r, "zz", 2 << 20, &v, err, sizeof(err)),
			 -ENOENT);
	volreg_close(&r);

	/* "Restart": everything is as it was, and ids are not reused. */
	assert_int_equal(volreg_open(&r, f->dir, err, sizeof(err)), 0);
	all = volreg_get_all(&r, &n);
	assert_int_equal(n, 1);
	assert_string_equal(all[0]->name, "b");
	assert_int_equal(all[0]->id, 2);
	assert_int_equal(all[0]->block_size, 512);
	assert_int_equal(atomic_load(&all[0]->size), 2 << 20);
	volreg_put_all(all, n);
	assert_int_equal(volreg_create(&r, "a", 1 << 20, 4096, NULL, &v, err,
				       sizeof(err)), 0);
	assert_int_equal(v->id, 3);
	vol_unref(v);
	volreg_close(&r);
}

static void test_registry_busy_and_force(void **state)
{
	struct fx *f = *state;
	struct volreg r;
	struct vol *v = NULL;
	char err[256];

	assert_int_equal(volreg_open(&r, f->dir, err, sizeof(err)), 0);
	assert_int_equal(volreg_create(&r, "a", 1 << 20, 4096, NULL, NULL, err,
				       sizeof(err)), 0);
	assert_int_equal(volreg_attach(&r, "a", &v), 0);
	assert_int_equal(volreg_attach(&r, "nope", &v), 5 /* NOENT */);
	assert_int_equal(volreg_delete(&r, "a", false, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "1 connection"));
	assert_int_equal(volreg_delete(&r, "a", true, err, sizeof(err)), 0);
	/* The connection keeps its reference; the volume is marked gone. */
	assert_true(atomic_load(&v->dead));
	assert_true(v->fd >= 0);
	volreg_detach(&r, v);
	volreg_close(&r);
}

static void test_registry_refuses_corrupt(void **state)
{
	struct fx *f = *state;
	struct volreg r;
	char err[512];

	put_file(f->file, "{broken");
	assert_int_equal(volreg_open(&r, f->dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "corrupt"));
	volreg_close(&r);
	assert_string_equal(get_file(f->file), "{broken");
}

static void test_registry_missing_backing(void **state)
{
	struct fx *f = *state;
	struct volreg r;
	struct vol *v = NULL;
	char err[256], path[160];

	assert_int_equal(volreg_open(&r, f->dir, err, sizeof(err)), 0);
	assert_int_equal(volreg_create(&r, "a", 1 << 20, 4096, NULL, NULL, err,
				       sizeof(err)), 0);
	volreg_close(&r);
	snprintf(path, sizeof(path), "%s/volumes/a.img", f->dir);
	assert_int_equal(unlink(path), 0);
	/* Starts; the volume is listed but unavailable. */
	assert_int_equal(volreg_open(&r, f->dir, err, sizeof(err)), 0);
	assert_int_equal(volreg_attach(&r, "a", &v), 1 /* IO */);
	volreg_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_save_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_busy_and_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_refuses_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_missing_backing, setup, teardown),
	};

	return cmocka_run_group_tests_name("meta", tests, NULL, NULL);
}
