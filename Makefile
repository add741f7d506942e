# Silk top-level Makefile: `make` builds silk.ko, silkd and silkctl.
#
#   make            build everything (module, daemon, CLI, test tools)
#   make check      install missing packages and run every test suite
#   make demo       boot a VM and show Silk end to end
#   make bench      benchmark Silk against NVMe/TCP, NBD and a RAM disk
#   make install    install binaries, module (DKMS), systemd unit, man pages
#
# KDIR selects the kernel build tree for silk.ko (default: the running
# kernel's, else the installed Debian linux-headers-*-amd64).

KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else \
		ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; \
	fi)
export KDIR

PREFIX ?= /usr/local
DESTDIR ?=
export PREFIX DESTDIR

SUBDIRS_USER := daemon tools tools/bench tests

.PHONY: all kernel user $(SUBDIRS_USER) check unit fuzz kunit vmtest demo deps \
	install clean bench bench-quick

all: kernel user

kernel:
	@test -n "$(KDIR)" || { echo "silk: no kernel build tree; install linux-headers-amd64 or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules

user: $(SUBDIRS_USER)

tools tools/bench tests: daemon
$(SUBDIRS_USER):
	$(MAKE) -C $@

deps:
	scripts/deps.sh

check:
	scripts/test.sh

unit: user
	$(MAKE) -C tests unit

fuzz: user
	$(MAKE) -C tests fuzz

kunit:
	scripts/kunit.sh

vmtest: all
	scripts/vmtest.sh

demo:
	scripts/demo.sh

bench: all
	SILK_NO_BUILD=1 scripts/bench.sh $(BENCH_ARGS)

bench-quick: all
	SILK_NO_BUILD=1 scripts/bench.sh --quick

install: all
	scripts/install.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	for d in $(SUBDIRS_USER); do $(MAKE) -C $$d clean; done
