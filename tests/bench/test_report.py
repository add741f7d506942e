#!/usr/bin/env python3
"""Tests of scripts/bench-report.py on synthetic results directories:
medians over the rounds of several boots, the per-round and per-boot
ratios, the targets' boots column, a system that fails in one boot, and
results from before --boots (no "boots" in meta.json, no "first_round" in
guest.json).  Prints cmocka-style summary lines for scripts/run-unit.sh.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REPORT = os.path.join(TOP, "scripts", "bench-report.py")
JOBS = [("randread-4k-qd1", "read"), ("randwrite-4k-qd1", "write"),
        ("randread-4k-qd32", "read"), ("randwrite-4k-qd32", "write"),
        ("seqread-128k-qd8", "read"), ("seqwrite-128k-qd8", "write")]
HZ = 100


def fio_json(direction, iops, p50_us):
    """Just what bench-report.py reads of fio's JSON: 5 s of I/O."""
    d = {"iops": iops, "bw_bytes": iops * 4096, "total_ios": int(iops * 5),
         "runtime": 5000,
         "lat_ns": {"mean": p50_us * 1000.0,
                    "percentile": {"50.000000": p50_us * 1000.0,
                                   "99.000000": p50_us * 2000.0,
                                   "99.900000": p50_us * 3000.0}}}
    other = "write" if direction == "read" else "read"
    return {"jobs": [{"error": 0, direction: d,
                      other: {"iops": 0, "total_ios": 0}}]}


class Results:
    """A results directory as scripts/bench.sh leaves it."""

    def __init__(self, root, systems, boots, rounds, with_boots_keys=True):
        self.root = root
        self.systems = systems
        self.boots = boots
        self.rounds = rounds
        meta = {"commit": "0" * 40, "dirty": False, "date": "2026-12-07T00:00:00Z",
                "quick": False,
                "host": {"kernel": "test", "cpus": 2, "loadavg_before": "0 0 0",
                         "cpu_model": "test"},
                "systems": " ".join(systems), "guest_args": "", "vm": True,
                "native": False}
        if with_boots_keys:
            meta["boots"] = boots
        self.write(os.path.join(root, "meta.json"), json.dumps(meta))
        for b in range(1, boots + 1):
            guest = {"kernel": "6.1", "cpus": 2, "runtime_s": 5, "ramp_s": 1,
                     "size_mb": 64, "rounds": rounds, "user_hz": HZ,
                     "fio": "fio-3.33", "ioengine": "libaio"}
            if with_boots_keys:
                guest["first_round"] = (b - 1) * rounds + 1
            self.write(os.path.join(self.out(b), "guest.json"), json.dumps(guest))
            self.write(os.path.join(self.vm(b), "hostload.txt"),
                       "1 %d.0 0 0 1\n" % b)
            for s in systems:
                self.write(os.path.join(self.out(b), "status", s), "ok")

    def vm(self, boot):
        return os.path.join(self.root, "vm" if boot == 1 else "vm%d" % boot)

    def out(self, boot):
        return os.path.join(self.vm(boot), "out")

    @staticmethod
    def write(path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def add(self, boot, rnd, system, iops, p50_us=100.0, busy_ticks=50):
        """Every job of @system in round @rnd (global number) of @boot."""
        suffix = ".r%d" % rnd
        for job, direction in JOBS:
            self.write(os.path.join(self.out(boot), "fio", "%s-%s%s.json"
                                    % (system, job, suffix)),
                       json.dumps(fio_json(direction, iops, p50_us)))
            # /proc/stat cpu lines: user, system and idle ticks move.
            self.write(os.path.join(self.out(boot), "cpu", "%s-%s%s.io.stat"
                                    % (system, job, suffix)),
                       "cpu  0 0 0 0 0 0 0 0\ncpu  %d 0 0 %d 0 0 0 0\n"
                       % (busy_ticks, 1000 - busy_ticks))


def run_report(root):
    p = subprocess.run([sys.executable, REPORT, root], capture_output=True, text=True,
                       timeout=60)
    with open(os.path.join(root, "results.json")) as f:
        return p, json.load(f)


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="bench-report-test.")

    def tearDown(self):
        shutil.rmtree(self.root)

    def target(self, res, name):
        for t in res["targets"]:
            if t["target"] == name:
                return t
        self.fail("no target %r" % name)

    def test_medians_over_boots(self):
        r = Results(self.root, ["silk", "nvme-tcp"], boots=2, rounds=2)
        # Boot 1 (rounds 1, 2): silk 100/300, nvme-tcp 100/100.
        # Boot 2 (rounds 3, 4): silk 500/700, nvme-tcp 200/200.
        for boot, rnd, silk, nvme in ((1, 1, 100, 100), (1, 2, 300, 100),
                                      (2, 3, 500, 200), (2, 4, 700, 200)):
            r.add(boot, rnd, "silk", silk)
            r.add(boot, rnd, "nvme-tcp", nvme)
        p, res = run_report(self.root)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        job = res["systems"]["silk"]["jobs"]["randread-4k-qd32"]
        # The median of all four rounds, not of one boot.
        self.assertAlmostEqual(job["iops"], 400.0)
        self.assertEqual([x["boot"] for x in job["rounds"]], [1, 1, 2, 2])
        self.assertNotIn("boot", job)
        rat = res["ratios"]["randread-4k-qd32"]["silk/nvme-tcp"]
        self.assertAlmostEqual(rat["iops"], 400.0 / 150.0)
        self.assertEqual([round(x, 3) for x in rat["rounds"]["iops"]],
                         [1.0, 3.0, 2.5, 3.5])
        # Per boot: medians 200/100 and 600/200.
        self.assertEqual([round(x, 3) for x in rat["boots"]["iops"]], [2.0, 3.0])
        t = self.target(res, "silk/nvme-tcp IOPS, randread-4k-qd32")
        self.assertEqual((t["boots_min"], t["boots_max"], t["boots_met"], t["boots"]),
                         (2.0, 3.0, 2, 2))
        self.assertEqual((t["rounds_met"], t["rounds"]), (4, 4))
        self.assertIn("| boots |", p.stdout)
        self.assertIn("## In-VM comparison (2 boots)", p.stdout)
        self.assertIn("bench: 2 passed, 0 failed", p.stdout)
        # The host's load over both boots.
        self.assertAlmostEqual(res["host_load_during_vm"]["load1_max"], 2.0)

    def test_cpu_per_io(self):
        r = Results(self.root, ["silk", "nvme-tcp"], boots=2, rounds=1)
        r.add(1, 1, "silk", 1000, busy_ticks=50)
        r.add(2, 2, "silk", 1000, busy_ticks=150)
        r.add(1, 1, "nvme-tcp", 1000, busy_ticks=100)
        r.add(2, 2, "nvme-tcp", 1000, busy_ticks=100)
        p, res = run_report(self.root)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # 50 and 150 ticks of 10 ms over 5,000 I/Os: 100 and 300 us.
        job = res["systems"]["silk"]["jobs"]["randread-4k-qd1"]
        self.assertAlmostEqual(job["cpu_us_per_io"], 200.0)
        t = self.target(res, "silk/nvme-tcp CPU per I/O, randread-4k-qd1")
        self.assertAlmostEqual(t["value"], 1.0)
        self.assertEqual((t["boots_min"], t["boots_max"], t["boots_met"]), (0.5, 1.5, 1))

    def test_failure_in_one_boot(self):
        r = Results(self.root, ["silk", "nvme-tcp"], boots=2, rounds=1)
        for boot in (1, 2):
            r.add(boot, boot, "nvme-tcp", 100)
        r.add(1, 1, "silk", 200)
        r.write(os.path.join(r.out(2), "status", "silk"), "round 2: setup failed")
        p, res = run_report(self.root)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(res["systems"]["silk"]["status"], "boot 2: round 2: setup failed")
        self.assertIn("bench: vm:silk FAILED: boot 2: round 2: setup failed", p.stdout)
        self.assertIn("bench: 1 passed, 1 failed", p.stdout)
        # What was measured is still reported, without per-round ratios
        # that would pair rounds of different boots.
        rat = res["ratios"]["randread-4k-qd1"]["silk/nvme-tcp"]
        self.assertAlmostEqual(rat["iops"], 2.0)
        self.assertNotIn("rounds", rat)

    def test_results_from_before_boots(self):
        r = Results(self.root, ["silk", "nvme-tcp"], boots=1, rounds=3,
                    with_boots_keys=False)
        for rnd, silk in ((1, 100), (2, 400), (3, 200)):
            r.add(1, rnd, "silk", silk)
            r.add(1, rnd, "nvme-tcp", 100)
        p, res = run_report(self.root)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertAlmostEqual(res["systems"]["silk"]["jobs"]["randwrite-4k-qd1"]["iops"], 200)
        rat = res["ratios"]["randwrite-4k-qd1"]["silk/nvme-tcp"]
        self.assertNotIn("boots", rat)
        self.assertNotIn("| boots |", p.stdout)
        self.assertIn("## In-VM comparison (one boot)", p.stdout)
        self.assertEqual([x.get("boot") for x in
                          res["systems"]["silk"]["jobs"]["randwrite-4k-qd1"]["rounds"]],
                         [None, None, None])


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(ReportTest)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    bad = len(result.failures) + len(result.errors)
    good = result.testsRun - bad
    # The summary lines scripts/run-unit.sh counts (cmocka's format).
    print("[==========] %d test(s) run." % result.testsRun)
    print("[  PASSED  ] %d test(s)." % good)
    if bad:
        print("[  FAILED  ] %d test(s), listed below:" % bad)
        for t, _ in result.failures + result.errors:
            print("[  FAILED  ] %s" % t.id())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
