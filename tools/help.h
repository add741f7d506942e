/* SPDX-License-Identifier: GPL-2.0 */
/* silkctl --help texts. */
#ifndef SILKCTL_HELP_H
#define SILKCTL_HELP_H

#include <stdio.h>

#include "cmdline.h"

#define SILKCTL_VERSION "0.1.0"

void help_main(FILE *f);
/* Help for an object ("volume") or NULL for the main help. */
void help_topic(FILE *f, const char *topic);
void help_cmd(FILE *f, enum silkctl_cmd cmd);

#endif
