# Shared settings for the userspace Makefiles (daemon/, tools/, tests/).
# Include with: TOP := ..  then  include $(TOP)/config.mk

CC ?= cc
PKG_CONFIG ?= pkg-config

OPT ?= -O2 -g
CSTD := -std=c11 -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-unused-parameter
BASE_CFLAGS := $(CSTD) $(WARN) $(OPT) -I$(TOP)/include -MMD -MP

# Sanitizers for every test binary.
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pc_libs = $(shell $(PKG_CONFIG) --libs $(1))

NL_CFLAGS := $(call pc_cflags,libnl-genl-3.0)
NL_LIBS := $(call pc_libs,libnl-genl-3.0)
JSON_CFLAGS := $(call pc_cflags,json-c)
JSON_LIBS := $(call pc_libs,json-c)
URING_LIBS := $(call pc_libs,liburing)
ISAL_LIBS := -lisal
LZ4_LIBS := $(call pc_libs,liblz4)
CURL_LIBS := $(call pc_libs,libcurl)
CMOCKA_LIBS := $(call pc_libs,cmocka)
