/* SPDX-License-Identifier: GPL-2.0 */
/*
 * silkctl output: human-readable tables/details and JSON documents for
 * devices (from the kernel), volumes and node status (from silkd) and
 * events.  Everything writes to a FILE * so tests can capture it.
 */
#ifndef SILKCTL_OUTPUT_H
#define SILKCTL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "nlmsg.h"

const char *silk_transport_name(uint8_t t);
const char *silk_state_name(uint8_t s);
const char *silk_event_name(uint8_t e);

/* 1073741824 -> "1 GiB", 1610612736 -> "1.5 GiB", 1000 -> "1000 B". */
void fmt_size(uint64_t bytes, char *buf, size_t len);
/* "/dev/silkN" for a device. */
void fmt_dev_path(const struct silk_dev_info *d, char *buf, size_t len);
/* "127.0.0.1:7400", "[::1]:7400". */
void fmt_server(const char *addr, uint16_t port, char *buf, size_t len);

/* Compact JSON followed by a newline. */
void print_json(FILE *f, json_object *o);

json_object *dev_to_json(const struct silk_dev_info *d);
json_object *devs_to_json(const struct silk_dev_info *d, size_t n);
void print_devs(FILE *f, const struct silk_dev_info *d, size_t n);

/* Volumes and node objects as silkd returns them (fields may be missing). */
void print_volumes(FILE *f, json_object *volumes);
void print_volume(FILE *f, json_object *vol);
void print_node(FILE *f, json_object *node);

json_object *event_to_json(const struct silk_event_info *e);
void print_event(FILE *f, const struct silk_event_info *e);

#endif
