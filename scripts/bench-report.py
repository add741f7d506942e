#!/usr/bin/env python3
"""Turn a Silk benchmark results directory into tables and one JSON file.

    scripts/bench-report.py DIR

DIR is what scripts/bench.sh filled: meta.json, native/*.json and *.rc,
vm/out/ (fio JSON, /proc/stat snapshots, status per system from
scripts/bench-guest.sh), vm/hostload.txt, and with --boots N the same in
vm2/ ... vmN/ for the later boots.  Writes DIR/results.json (every
figure) and DIR/results.md (the tables), prints the tables, and ends with
"bench: N passed, N failed" -- one entry per system and native benchmark
that was asked for.  Exit status 0 when nothing failed.  Nothing here
judges speed: targets are reported as met or not, never enforced.
"""
import json
import os
import sys

SYSTEMS = ["silk", "silk-poll", "nvme-tcp", "nbd", "silk-rdma", "nvme-rdma", "brd"]
# Ratio columns: (ours, peer).  silk-poll is silk with silkd --busy-poll.
PAIRS = [("silk", "nvme-tcp"), ("silk", "nbd"), ("silk-poll", "nvme-tcp"),
         ("silk-rdma", "nvme-rdma")]
JOBS = [
    ("randread-4k-qd1", "read"), ("randwrite-4k-qd1", "write"),
    ("randread-4k-qd32", "read"), ("randwrite-4k-qd32", "write"),
    ("seqread-128k-qd8", "read"), ("seqwrite-128k-qd8", "write"),
]
# /proc/stat cpu fields: user nice system idle iowait irq softirq steal
BUSY = (0, 1, 2, 5, 6)


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_fio_json(path):
    """fio's JSON output; fio (with --thread) writes the notes of
    --exec_prerun/--exec_postrun into the same file, before the JSON."""
    text = read_text(path)
    if not text.startswith("{"):
        i = text.find("\n{")
        if i < 0:
            return None
        text = text[i + 1:]
    try:
        return json.loads(text)
    except ValueError:
        return None


def read_text(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def cpu_figures(path, hz, ios):
    """(cpu_us_per_io, guest_busy_fraction) from two /proc/stat cpu lines."""
    lines = read_text(path).splitlines()
    if len(lines) != 2 or not ios:
        return None, None
    a = [int(x) for x in lines[0].split()[1:9]]
    b = [int(x) for x in lines[1].split()[1:9]]
    d = [y - x for x, y in zip(a, b)]
    busy = sum(d[i] for i in BUSY)
    total = sum(d)
    return busy / hz * 1e6 / ios, (busy / total if total else None)


def server_cpu(path, hz, ios):
    """CPU us per I/O of silkd (utime + stime ticks before and after)."""
    lines = read_text(path).split()
    if len(lines) != 2 or not ios:
        return None
    try:
        return (int(lines[1]) - int(lines[0])) / hz * 1e6 / ios
    except ValueError:
        return None


def job_figures(out, system, job, direction, hz, suffix=""):
    """Figures of one fio job (of the round named by suffix), or (None, reason)."""
    fj = load_fio_json(os.path.join(out, "fio", "%s-%s%s.json" % (system, job, suffix)))
    if not fj or not fj.get("jobs"):
        return None, "no fio output"
    j = fj["jobs"][0]
    if j.get("error"):
        return None, "fio error %s" % j["error"]
    d = j[direction]
    if not d.get("total_ios"):
        return None, "no I/O completed"
    pct = d.get("lat_ns", {}).get("percentile", {})
    base = os.path.join(out, "cpu", "%s-%s%s" % (system, job, suffix))
    # The I/O window (snapshots fio took right before its first and after
    # its last I/O), when the guest script recorded it; else the whole fio
    # run, start-up and exit included.
    window = "io"
    cpu, busy = cpu_figures(base + ".io.stat", hz, d["total_ios"])
    server = server_cpu(base + ".io.server", hz, d["total_ios"])
    if cpu is None:
        window = "process"
        cpu, busy = cpu_figures(base + ".stat", hz, d["total_ios"])
        server = server_cpu(base + ".server", hz, d["total_ios"])
    return {
        "iops": d["iops"],
        "mb_s": d["bw_bytes"] / 1e6,
        "lat_mean_us": d["lat_ns"]["mean"] / 1e3,
        "lat_p50_us": pct.get("50.000000", 0) / 1e3 or None,
        "lat_p99_us": pct.get("99.000000", 0) / 1e3 or None,
        "lat_p99_9_us": pct.get("99.900000", 0) / 1e3 or None,
        "ios": d["total_ios"],
        "runtime_s": d["runtime"] / 1e3,
        "cpu_us_per_io": cpu,
        "guest_busy_fraction": busy,
        "cpu_window": window,
        "silkd_cpu_us_per_io": server,
        "cpu_outside_silkd_us_per_io": (cpu - server
                                        if cpu is not None and server is not None else None),
    }, None


def median(values):
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def combine(rounds):
    """One job's figures over its rounds: the median of each figure; the
    rounds themselves stay in "rounds"."""
    fig = {}
    for k in rounds[0]:
        if k == "boot":
            continue
        vals = [r.get(k) for r in rounds]
        if all(isinstance(v, str) for v in vals):
            fig[k] = vals[0] if len(set(vals)) == 1 else "mixed"
        else:
            fig[k] = median(vals)
    if len(rounds) > 1:
        fig["rounds"] = rounds
    return fig


def ratio(a, b):
    return a / b if a and b else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    if digits == 0:
        return "{:,.0f}".format(v)
    return "{:.{}f}".format(v, digits)


def host_load(paths):
    rows = []
    for path in paths:
        for line in read_text(path).splitlines():
            p = line.split()
            if len(p) >= 5:
                rows.append((float(p[1]), int(p[4])))
    if not rows:
        return None
    return {"samples": len(rows),
            "load1_mean": sum(r[0] for r in rows) / len(rows),
            "load1_max": max(r[0] for r in rows),
            # our own guest is one of them
            "qemu_processes_max": max(r[1] for r in rows)}


def boot_dirs(d, meta):
    """The VM directories of a run: vm/ for the first boot, vmB/ after."""
    n = meta.get("boots") or 1
    return [os.path.join(d, "vm" if b == 1 else "vm%d" % b) for b in range(1, n + 1)]


def boot_rounds(guest):
    """Round suffixes of one boot's files; results of bench-guest.sh from
    before --rounds have none."""
    nrounds = guest.get("rounds")
    if not nrounds:
        return [""]
    first = guest.get("first_round", 1)
    return [".r%d" % i for i in range(first, first + nrounds)]


def vm_section(d, meta, res, stages, md):
    vms = boot_dirs(d, meta)
    guests = [load_json(os.path.join(v, "out", "guest.json")) or {} for v in vms]
    guest = guests[0]
    res["guest"] = guest
    res["host_load_during_vm"] = host_load([os.path.join(v, "hostload.txt") for v in vms])
    hz = guest.get("user_hz", 100)
    nboots = len(vms)
    nrounds = sum(len(boot_rounds(g)) for g in guests) if guest.get("rounds") else None
    wanted = meta.get("systems", " ".join(SYSTEMS)).split()
    systems = {}
    for s in wanted:
        statuses = []
        for b, v in enumerate(vms, 1):
            st = read_text(os.path.join(v, "out", "status", s), "not run (VM failed?)")
            statuses.append(st if st == "ok" or nboots == 1 else "boot %d: %s" % (b, st))
        bad = [st for st in statuses if st != "ok"]
        status = bad[0] if bad else "ok"
        entry = {"status": status, "jobs": {}}
        errors = []
        for job, direction in JOBS:
            rounds = []
            for b, (v, g) in enumerate(zip(vms, guests), 1):
                for suffix in boot_rounds(g):
                    fig, why = job_figures(os.path.join(v, "out"), s, job, direction,
                                           hz, suffix)
                    if fig:
                        if nboots > 1:
                            fig["boot"] = b
                        rounds.append(fig)
                    else:
                        errors.append("%s%s: %s" % (job, suffix, why))
            if rounds:
                entry["jobs"][job] = combine(rounds)
        if status != "ok" or errors:
            entry["status"] = status if status != "ok" else errors[0]
            stages.append(("vm:" + s, False, entry["status"]))
        else:
            stages.append(("vm:" + s, True, ""))
        systems[s] = entry
    res["systems"] = systems

    def val(s, job, key):
        return systems.get(s, {}).get("jobs", {}).get(job, {}).get(key)

    def round_vals(s, job, key):
        j = systems.get(s, {}).get("jobs", {}).get(job, {})
        return [r.get(key) for r in j.get("rounds", [])]

    def boot_val(s, job, key, b):
        j = systems.get(s, {}).get("jobs", {}).get(job, {})
        return median([r.get(key) for r in j.get("rounds", []) if r.get("boot") == b])

    # Ratios of the medians; with several rounds also the ratio in each
    # round (the two systems measured minutes apart in the same round).
    ratios = {}
    for job, _ in JOBS:
        r = {}
        for ours, peer in PAIRS:
            keys = ("iops", "mb_s", "lat_p50_us", "lat_p99_us", "cpu_us_per_io")
            r[ours + "/" + peer] = {k: ratio(val(ours, job, k), val(peer, job, k))
                                    for k in keys}
            a, b = round_vals(ours, job, "iops"), round_vals(peer, job, "iops")
            if len(a) > 1 and len(a) == len(b):
                r[ours + "/" + peer]["rounds"] = {
                    k: [ratio(x, y) for x, y in zip(round_vals(ours, job, k),
                                                    round_vals(peer, job, k))]
                    for k in keys}
            if nboots > 1:
                # The ratio of the two systems' medians in each boot.
                r[ours + "/" + peer]["boots"] = {
                    k: [ratio(boot_val(ours, job, k, b), boot_val(peer, job, k, b))
                        for b in range(1, nboots + 1)]
                    for k in keys}
        ratios[job] = r
    res["ratios"] = ratios

    cols = [s for s in SYSTEMS if s in systems]
    md.append("## In-VM comparison (%s)\n" % ("one boot" if nboots == 1 else
                                               "%d boots" % nboots))
    md.append("Guest: %s, %s vCPUs (TCG), fio %s, %s, direct I/O, %s s per job after "
              "%s s warm-up, %s MiB devices.%s\n" % (
                  guest.get("kernel", "?"), guest.get("cpus", "?"), guest.get("fio", "?"),
                  guest.get("ioengine", "?"), guest.get("runtime_s", "?"),
                  guest.get("ramp_s", "?"), guest.get("size_mb", "?"),
                  " Every system measured in %d rounds%s, one after another (reverse "
                  "order in even rounds); each figure is the median of its rounds." % (
                      nrounds, "" if nboots == 1 else " over %d boots" % nboots)
                  if nrounds and nrounds > 1 else ""))
    tables = [
        ("IOPS", "iops", 0, "higher is better"),
        ("MB/s", "mb_s", 1, "higher is better"),
        ("p50 total latency (us)", "lat_p50_us", 1, "lower is better"),
        ("p99 total latency (us)", "lat_p99_us", 1, "lower is better"),
        ("CPU time per I/O, whole guest (us)", "cpu_us_per_io", 1, "lower is better"),
    ]
    for title, key, digits, note in tables:
        md.append("### %s (%s)\n" % (title, note))
        pairs = [(o, p) for o, p in PAIRS if o in systems and p in systems]
        hdr = ["job"] + cols + [o + "/" + p for o, p in pairs]
        md.append("| " + " | ".join(hdr) + " |")
        md.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
        for job, _ in JOBS:
            row = [job] + [fmt(val(s, job, key), digits) for s in cols]
            for ours, peer in pairs:
                row.append(fmt(ratios[job][ours + "/" + peer][key], 2))
            md.append("| " + " | ".join(row) + " |")
        md.append("")
    ncpu = guest.get("cpus")
    if isinstance(ncpu, int) and any(val(s, job, "guest_busy_fraction") is not None
                                     for s in cols for job, _ in JOBS):
        windows = {val(s, job, "cpu_window") for s in cols for job, _ in JOBS} - {None}
        md.append("### vCPUs busy during the job (of %d)\n" % ncpu)
        md.append("The guest's busy share from /proc/stat times its vCPUs, %s; CPU time "
                  "per I/O is this times that time, divided by the I/Os. A system that runs a whole request "
                  "on the submitting vCPU (the kernel targets on loopback) stays near "
                  "one busy vCPU; one whose server runs on the other vCPU can use both, "
                  "and at QD 1 the request's path is busy end to end wherever it runs.\n"
                  % ("from fio's first I/O to its last" if windows == {"io"} else
                     "over the whole fio run, its start-up and exit included"
                     if windows == {"process"} else
                     "over fio's I/O where recorded, else over its whole run"))
        md.append("| " + " | ".join(["job"] + cols) + " |")
        md.append("|" + "|".join(["---"] + ["---:"] * len(cols)) + "|")
        for job, _ in JOBS:
            row = [job]
            for s in cols:
                b = val(s, job, "guest_busy_fraction")
                row.append(fmt(b * ncpu if b is not None else None, 2))
            md.append("| " + " | ".join(row) + " |")
        md.append("")
    silks = [s for s in cols if any(val(s, job, "silkd_cpu_us_per_io") is not None
                                    for job, _ in JOBS)]
    if silks:
        md.append("### CPU time per I/O: silkd's share (us) (lower is better)\n")
        md.append("The whole-guest figure split into the silkd process (utime + stime "
                  "from /proc/PID/stat) and everything else: the host side (silk.ko, "
                  "the network stack or soft-RoCE), fio, interrupts. For the kernel "
                  "peers the target's work is inside their whole-guest figure.\n")
        hdr = ["job"]
        for s in silks:
            hdr += [s + ": silkd", s + ": rest"]
        md.append("| " + " | ".join(hdr) + " |")
        md.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
        for job, _ in JOBS:
            row = [job]
            for s in silks:
                row += [fmt(val(s, job, "silkd_cpu_us_per_io"), 1),
                        fmt(val(s, job, "cpu_outside_silkd_us_per_io"), 1)]
            md.append("| " + " | ".join(row) + " |")
        md.append("")
    bad = [(s, e["status"]) for s, e in systems.items() if e["status"] != "ok"]
    for s, why in bad:
        md.append("**%s: %s**\n" % (s, why))
    return ratios


def targets(res):
    """The issue's targets: reported, never enforced."""
    t = []
    r = res.get("ratios", {})

    def add(name, value, goal, higher, rounds=None, boots=None):
        met = None if value is None else (value >= goal if higher else value <= goal)
        e = {"target": name, "value": value, "goal": goal,
             "goal_is": "min" if higher else "max", "met": met}
        # The spread of the ratio over single rounds and over boots.
        for what, vals in (("rounds", rounds), ("boots", boots)):
            got = [x for x in vals or [] if x is not None]
            if got:
                e[what + "_min"], e[what + "_max"] = min(got), max(got)
                e[what + "_met"] = sum(1 for x in got
                                       if (x >= goal if higher else x <= goal))
                e[what] = len(got)
        t.append(e)

    qd32 = ("randread-4k-qd32", "randwrite-4k-qd32")
    qd1 = ("randread-4k-qd1", "randwrite-4k-qd1")
    every = tuple(job for job, _ in JOBS)
    # (ratio column, what, figure, jobs, goal, higher is better).
    # silk-poll is silk with silkd --busy-poll: the same goals, CPU spent
    # for latency.
    ratio_goals = [
        ("silk/nvme-tcp", "IOPS", "iops", qd32, 1.0, True),
        ("silk/nvme-tcp", "p50 latency", "lat_p50_us", qd1, 1.1, False),
        ("silk/nbd", "IOPS", "iops", every[:4], 2.0, True),
        ("silk/nvme-tcp", "CPU per I/O", "cpu_us_per_io", every, 1.0, False),
        ("silk-poll/nvme-tcp", "p50 latency", "lat_p50_us", qd1, 1.1, False),
        ("silk-poll/nvme-tcp", "CPU per I/O", "cpu_us_per_io", every, 1.0, False),
        ("silk-rdma/nvme-rdma", "IOPS", "iops", qd32, 1.0, True),
        ("silk-rdma/nvme-rdma", "p50 latency", "lat_p50_us", qd1, 1.1, False),
        ("silk-rdma/nvme-rdma", "CPU per I/O", "cpu_us_per_io", every, 1.0, False),
    ]
    for pair, what, key, jobs, goal, higher in ratio_goals:
        for job in jobs:
            pr = r.get(job, {}).get(pair, {})
            add("%s %s, %s" % (pair, what, job), pr.get(key), goal, higher,
                pr.get("rounds", {}).get(key), pr.get("boots", {}).get(key))
    nat = res.get("native") if isinstance(res.get("native"), dict) else {}
    lg = nat.get("loadgen") or {}
    add("silkd native 4k read IOPS per core", lg.get("iops_per_silkd_core"), 80000, True)
    for e in (nat.get("ecbench") or {}).get("results", []):
        add("EC %d+%d encode / memcpy, %d KiB stripes" % (e["k"], e["m"], e["stripe_bytes"] >> 10),
            e["encode_vs_memcpy"], 0.5, True)
    return t


def native_section(d, res, stages, md):
    nat = {}
    for name in ("loadgen", "ecbench", "lz4bench"):
        rc = read_text(os.path.join(d, "native", name + ".rc"), None)
        if rc is None:
            continue
        j = load_json(os.path.join(d, "native", name + ".json"))
        if rc == "0" and j:
            nat[name] = j
            stages.append(("native:" + name, True, ""))
        else:
            txt = read_text(os.path.join(d, "native", name + ".txt")).splitlines()
            stages.append(("native:" + name, False,
                           "exit %s: %s" % (rc, txt[-1] if txt else "no output")))
    res["native"] = nat
    if not nat:
        return
    md.append("## Native benchmarks (no VM)\n")
    lg = nat.get("loadgen")
    if lg:
        md.append("silk-loadgen -> silkd on 127.0.0.1 (store on tmpfs, written first): "
                  "4k random reads, %d connections x QD%d.\n" % (lg["conns"], lg["qd"]))
        md.append("| IOPS | MB/s | silkd cores | IOPS per silkd core | silkd CPU us/IO | loadgen cores |")
        md.append("|---:|---:|---:|---:|---:|---:|")
        md.append("| %s | %s | %s | %s | %s | %s |\n" % (
            fmt(lg["iops"]), fmt(lg["mb_s"], 1), fmt(lg.get("silkd_cores"), 2),
            fmt(lg.get("iops_per_silkd_core")), fmt(lg.get("silkd_cpu_us_per_io"), 2),
            fmt(lg.get("loadgen_cores"), 2)))
    ec = nat.get("ecbench")
    if ec:
        md.append("isa-l erasure-code encode vs memcpy of the same data bytes:\n")
        md.append("| layout | stripe | encode MB/s | memcpy MB/s | encode/memcpy |")
        md.append("|---|---:|---:|---:|---:|")
        for e in ec["results"]:
            md.append("| %d+%d | %d KiB | %s | %s | %s |" % (
                e["k"], e["m"], e["stripe_bytes"] >> 10, fmt(e["encode_mb_s"]),
                fmt(e["memcpy_mb_s"]), fmt(e["encode_vs_memcpy"], 2)))
        md.append("")
    lz = nat.get("lz4bench")
    if lz:
        md.append("lz4 (%s, acceleration %d) on %d PostgreSQL-style 8 KiB heap pages, "
                  "%.0f%% free space:\n" % (lz["lz4_version"], lz["acceleration"], lz["pages"],
                                          100 * lz["free_space_fraction"]))
        md.append("| ratio | compress MB/s | decompress MB/s |")
        md.append("|---:|---:|---:|")
        md.append("| %s | %s | %s |\n" % (fmt(lz["ratio"], 2), fmt(lz["compress_mb_s"]),
                                         fmt(lz["decompress_mb_s"])))


def main():
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        print("usage: bench-report.py RESULTS_DIR", file=sys.stderr)
        return 2
    d = sys.argv[1]
    meta = load_json(os.path.join(d, "meta.json"))
    if meta is None:
        print("bench-report: %s/meta.json missing or not JSON" % d, file=sys.stderr)
        return 2
    res = dict(meta)
    res["ran"] = {"vm": bool(res.pop("vm", False)), "native": bool(res.pop("native", False))}
    stages, md = [], []
    md.append("# Silk benchmark%s\n" % (" (quick mode: harness check, figures meaningless)"
                                        if meta.get("quick") else ""))
    md.append("Commit %s%s, %s. Host: %s, %s CPUs, load %s before.\n" % (
        meta.get("commit", "?")[:12], " (+ uncommitted changes)" if meta.get("dirty") else "",
        meta.get("date", "?"), meta["host"].get("cpu_model", "?"), meta["host"].get("cpus", "?"),
        meta["host"].get("loadavg_before", "?")))
    if meta.get("vm"):
        md.append("Guest kernel arguments: `%s`.\n" % (meta.get("guest_args") or "(none)"))
        vm_section(d, meta, res, stages, md)
        hl = res.get("host_load_during_vm")
        if hl:
            md.append("Host load during the VM run: 1-min load mean %.2f, max %.2f; up to %d QEMU "
                      "processes (ours included).\n" % (hl["load1_mean"], hl["load1_max"],
                                                        hl["qemu_processes_max"]))
    if meta.get("native"):
        native_section(d, res, stages, md)
    res["targets"] = targets(res)
    if res["targets"]:
        md.append("## Targets (issue 3; reported, never asserted)\n")
        spread = any("rounds" in t for t in res["targets"])
        bspread = any("boots" in t for t in res["targets"])
        if spread:
            md.append("Measured: the ratio of the medians. Rounds: the lowest and highest "
                      "ratio of single rounds, and in how many rounds the goal was met.%s\n"
                      % (" Boots: the same for the ratio of the medians of each boot."
                         if bspread else ""))
        md.append("| target | measured | goal | met |" + (" rounds |" if spread else "")
                  + (" boots |" if bspread else ""))
        md.append("|---|---:|---:|---|" + ("---:|" if spread else "")
                  + ("---:|" if bspread else ""))
        for t in res["targets"]:
            met = {True: "yes", False: "**no**", None: "-"}[t["met"]]
            digits = 2 if t["goal"] < 100 else 0
            row = "| %s | %s | %s %s | %s |" % (
                t["target"], fmt(t["value"], digits),
                ">=" if t["goal_is"] == "min" else "<=", fmt(t["goal"], digits), met)
            for what, shown in (("rounds", spread), ("boots", bspread)):
                if shown:
                    row += (" %s-%s, %d of %d |" % (fmt(t[what + "_min"], digits),
                                                    fmt(t[what + "_max"], digits),
                                                    t[what + "_met"], t[what])
                            if what in t else " - |")
            md.append(row)
        md.append("")
    res["stages"] = [{"stage": n, "passed": ok, "error": e} for n, ok, e in stages]
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    text = "\n".join(md)
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write(text + "\n")
    print(text)
    print("Results: %s/results.md, %s/results.json" % (d, d))
    for n, ok, e in stages:
        if not ok:
            print("bench: %s FAILED: %s" % (n, e))
    npass = sum(1 for s in stages if s[1])
    nfail = len(stages) - npass
    if meta.get("vm") and not (meta.get("systems") or "").split():
        nfail += 1
    print("bench: %d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 and stages else 1


if __name__ == "__main__":
    sys.exit(main())
