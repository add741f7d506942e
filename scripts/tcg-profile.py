#!/usr/bin/env python3
"""Sampling profiler for a guest running under QEMU TCG.

perf inside the guest cannot locate CPU time under TCG (its samples land in
the idle task), so this samples from outside: through the QEMU human
monitor it stops the guest, reads every vCPU's RIP, CR3, CPL and halt
state, and lets it go on, RATE times a second.  Under TCG, wall time in
the guest is emulation cost, so the share of samples at a place is the
share of the guest's time spent there, soft-TLB refills after an
address-space switch included.

  tcg-profile.py record --monitor SOCK --flag-dir DIR [--label L] [--rate HZ]
      [--out F]
      waits for DIR/profile-L.start, samples until DIR/profile-L.stop
      appears (or --max-seconds), writes one line per vCPU sample to F.
      Without --label: records every DIR/profile-*.start that appears,
      into DIR/samples-LABEL.txt, until the VM exits or DIR/profile-done
      appears.
  tcg-profile.py report --samples F --kallsyms F [--maps NAME=MAPS ...]
      [--top N]
      attributes each sample to a process (user mode: the mapping its RIP
      falls in; kernel mode: the process whose CR3 it runs on) and to a
      symbol (kernel: kallsyms; user: the ELF symbols of the mapped file,
      via nm), and prints the shares.

scripts/vm.sh --monitor SOCK gives the VM a monitor socket;
scripts/vm-profile.sh drives a whole profiling run.
"""
import argparse
import bisect
import collections
import os
import re
import socket
import subprocess
import sys
import time


class Monitor:
    """The QEMU human monitor over a UNIX socket."""

    PROMPT = b"(qemu) "

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.settimeout(10)
        self._read_prompt()

    def _read_prompt(self):
        buf = b""
        while not buf.endswith(self.PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("monitor closed")
            buf += chunk
        return buf[: -len(self.PROMPT)]

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        out = self._read_prompt().decode(errors="replace")
        # The monitor echoes the command line (with terminal escapes) first.
        nl = out.find("\n")
        return out[nl + 1:] if nl >= 0 else ""


REG_RE = {
    "rip": re.compile(r"RIP=([0-9a-f]+)"),
    "cpl": re.compile(r"CPL=(\d)"),
    "hlt": re.compile(r"HLT=(\d)"),
    "cr3": re.compile(r"CR3=([0-9a-f]+)"),
}


def parse_regs(text):
    """Split `info registers -a` output into per-vCPU dicts."""
    cpus = []
    for part in re.split(r"^CPU#(\d+)\s*$", text, flags=re.M)[1:]:
        if part.strip().isdigit():
            cpus.append({"cpu": int(part)})
            continue
        if not cpus:
            continue
        for key, rx in REG_RE.items():
            m = rx.search(part)
            if m:
                cpus[-1][key] = m.group(1)
    return [c for c in cpus if "rip" in c]


def sample_until(mon, stop, rate, max_seconds, out_path):
    """Sample all vCPUs until the file @stop exists; returns the count."""
    period = 1.0 / rate
    n = 0
    t_end = time.monotonic() + max_seconds
    with open(out_path, "w") as out:
        while not os.path.exists(stop) and time.monotonic() < t_end:
            t0 = time.monotonic()
            mon.cmd("stop")
            regs = mon.cmd("info registers -a")
            mon.cmd("cont")
            for c in parse_regs(regs):
                out.write("%d %d %s %s %s %s\n" % (
                    n, c["cpu"], c.get("hlt", "0"), c.get("cpl", "0"),
                    c["rip"], c.get("cr3", "0")))
            n += 1
            left = period - (time.monotonic() - t0)
            if left > 0:
                time.sleep(left)
    return n


def record(args):
    """Record one label, or (without --label) every label the guest
    starts until the VM goes away or DIR/profile-done appears."""
    deadline = time.monotonic() + args.wait
    while True:
        try:
            mon = Monitor(args.monitor)
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("tcg-profile: no monitor at %s" % args.monitor)
            time.sleep(0.2)
    done = set()
    while time.monotonic() < deadline:
        if args.label:
            labels = [args.label] if os.path.exists(os.path.join(
                args.flag_dir, "profile-%s.start" % args.label)) else []
        else:
            try:
                names = os.listdir(args.flag_dir)
            except FileNotFoundError:
                names = []      # the guest has not made it yet
            labels = sorted(f[len("profile-"):-len(".start")] for f in names
                            if f.startswith("profile-") and f.endswith(".start"))
        labels = [lb for lb in labels if lb not in done]
        for label in labels:
            out = args.out if args.label else os.path.join(
                args.flag_dir, "samples-%s.txt" % label)
            stop = os.path.join(args.flag_dir, "profile-%s.stop" % label)
            try:
                n = sample_until(mon, stop, args.rate, args.max_seconds, out)
            except (OSError, EOFError):
                return
            print("tcg-profile: %s: %d samples" % (label, n))
            done.add(label)
        if (args.label and args.label in done) or \
                os.path.exists(os.path.join(args.flag_dir, "profile-done")):
            return
        try:
            mon.cmd("info status")
        except (OSError, EOFError):
            return      # the VM is gone
        time.sleep(0.2)


class Symbols:
    """Sorted (address, name) lookup."""

    def __init__(self, pairs):
        pairs.sort()
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]

    def lookup(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else None


def load_kallsyms(path):
    pairs = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in "tTwW":
                continue
            addr = int(parts[0], 16)
            if addr == 0:
                continue
            name = parts[2] + (parts[3] if len(parts) > 3 else "")
            pairs.append((addr, name))
    return Symbols(pairs)


class Mapping:
    def __init__(self, start, end, offset, path):
        self.start, self.end, self.offset, self.path = start, end, offset, path


def load_maps(path):
    maps = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 5 or "x" not in parts[1]:
                continue
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            maps.append(Mapping(lo, hi, int(parts[2], 16),
                                parts[5] if len(parts) > 5 else "[anon]"))
    return maps


_elf_cache = {}


def elf_symbols(path):
    """Function symbols of an ELF file as (file offset, name), via nm and
    the program headers (nm gives virtual addresses)."""
    if path in _elf_cache:
        return _elf_cache[path]
    pairs = []
    try:
        segs = []
        ph = subprocess.run(["readelf", "-lW", path], capture_output=True,
                            text=True).stdout
        for m in re.finditer(r"LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", ph):
            segs.append((int(m.group(2), 16), int(m.group(1), 16)))
        for flag in ([], ["-D"]):
            out = subprocess.run(["nm", "--defined-only"] + flag + [path],
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) != 3 or parts[1] not in "tTwWi":
                    continue
                va = int(parts[0], 16)
                off = None
                for vaddr, foff in segs:
                    if va >= vaddr:
                        off = va - vaddr + foff
                if off is not None:
                    pairs.append((off, parts[2]))
    except OSError:
        pass
    _elf_cache[path] = Symbols(pairs)
    return _elf_cache[path]


IDLE_SYMS = re.compile(r"^(cpu_idle_poll|default_idle|native_safe_halt|"
                       r"poll_idle|do_idle|arch_cpu_idle)")


def report(args):
    ksyms = load_kallsyms(args.kallsyms)
    procs = {}
    for spec in args.maps:
        name, path = spec.split("=", 1)
        procs[name] = load_maps(path)

    def user_owner(rip):
        for name, maps in procs.items():
            for m in maps:
                if m.start <= rip < m.end:
                    return name, m
        return None, None

    samples = []
    with open(args.samples) as f:
        for line in f:
            n, cpu, hlt, cpl, rip, cr3 = line.split()
            samples.append((int(n), int(cpu), hlt == "1", int(cpl),
                            int(rip, 16), int(cr3, 16)))
    # CR3 -> process, learnt from user-mode samples.
    cr3_votes = collections.defaultdict(collections.Counter)
    for _, _, hlt, cpl, rip, cr3 in samples:
        if cpl == 3:
            name, _ = user_owner(rip)
            cr3_votes[cr3][name or "other"] += 1
    cr3_name = {c: v.most_common(1)[0][0] for c, v in cr3_votes.items()}

    total = len(samples)
    by_ctx = collections.Counter()
    by_sym = collections.Counter()
    idle = 0
    for _, _, hlt, cpl, rip, cr3 in samples:
        if hlt:
            idle += 1
            by_ctx["idle (HLT)"] += 1
            continue
        if cpl == 3:
            name, m = user_owner(rip)
            name = name or "other"
            sym = None
            if m is not None and m.path.startswith("/"):
                sym = elf_symbols(m.path).lookup(rip - m.start + m.offset)
                sym = "%s:%s" % (os.path.basename(m.path), sym or "?")
            by_ctx["%s user" % name] += 1
            by_sym["%s user %s" % (name, sym or "?")] += 1
        else:
            name = cr3_name.get(cr3, "other/kthread")
            sym = ksyms.lookup(rip) or "?"
            if IDLE_SYMS.match(sym):
                # An idle vCPU that spins (idle=poll) instead of halting.
                by_ctx["idle (polling)"] += 1
                by_sym["idle (polling) %s" % sym] += 1
                continue
            by_ctx["%s kernel" % name] += 1
            by_sym["%s kernel %s" % (name, sym)] += 1
    print("samples: %d vCPU samples (%d with the vCPU halted)" % (total, idle))
    print("\nby context (share of all vCPU samples):")
    for k, v in by_ctx.most_common():
        print("  %6.1f%%  %s" % (100.0 * v / total, k))
    print("\ntop %d symbols (share of all vCPU samples):" % args.top)
    for k, v in by_sym.most_common(args.top):
        print("  %6.2f%%  %s" % (100.0 * v / total, k))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("--monitor", required=True)
    r.add_argument("--flag-dir", required=True)
    r.add_argument("--label")
    r.add_argument("--rate", type=float, default=200)
    r.add_argument("--wait", type=float, default=1800)
    r.add_argument("--max-seconds", type=float, default=60)
    r.add_argument("--out", default="samples.txt")
    s = sub.add_parser("report")
    s.add_argument("--samples", required=True)
    s.add_argument("--kallsyms", required=True)
    s.add_argument("--maps", action="append", default=[])
    s.add_argument("--top", type=int, default=40)
    a = p.parse_args()
    record(a) if a.cmd == "record" else report(a)


if __name__ == "__main__":
    main()
