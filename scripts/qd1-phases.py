#!/usr/bin/env python3
"""Median time of each step of the QD 1 requests in a tracefs text trace.

Reads the output of scripts/qd1-trace.sh (events sched_switch,
block_rq_issue, block_rq_complete, net_dev_xmit).  A request runs from one
block_rq_issue to the next; each step ends at a task switch, a packet sent
or the completion and is named after it ("run fio -> silkd-w" = fio ran
until it switched to silkd's worker; "#2" = the second such step of a
request).  Steps seen in fewer than 80 % of the requests are left out.
"""
import re
import statistics
import sys
from collections import defaultdict

EVENT = re.compile(r"^\s*(\S+)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+): (\w+): (.*)$")


def task(comm):
    """'kworker/0:1H' -> 'kworker', 'silkd-w0' -> 'silkd-w'."""
    return re.sub(r"[/:\d]+.*$", "", comm)


def main(path):
    requests, cur = [], None
    with open(path) as f:
        for line in f:
            m = EVENT.match(line)
            if not m:
                continue
            comm, _, _, ts, name, rest = m.groups()
            t = float(ts) * 1e6
            if name == "block_rq_issue":
                cur = [(t, comm, name, rest)]
                requests.append(cur)
            elif cur is not None:
                cur.append((t, comm, name, rest))
    steps, totals = defaultdict(list), []
    for req in requests[1:-1]:      # the first and last may be cut off
        prev, seen = req[0][0], defaultdict(int)
        for t, comm, name, rest in req[1:]:
            if name == "sched_switch":
                nxt = re.search(r"next_comm=(\S+)", rest)
                key = "run %s -> %s" % (task(comm),
                                        task(nxt.group(1)) if nxt else "?")
            elif name == "net_dev_xmit":
                key = "packet sent by " + task(comm)
            elif name == "block_rq_complete":
                key = "request completed"
            else:
                continue
            seen[key] += 1
            steps["%s #%d" % (key, seen[key])].append(t - prev)
            prev = t
        totals.append(req[-1][0] - req[0][0])
    if not totals:
        print("no complete requests in %s" % path)
        return 1
    print("requests: %d, median issue to next issue: %.0f us"
          % (len(totals), statistics.median(totals)))
    for key, v in steps.items():
        if len(v) >= 0.8 * len(totals):
            print("  %-44s %6.0f us" % (key, statistics.median(v)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: qd1-phases.py TRACE")
    sys.exit(main(sys.argv[1]))
