# The benchmark report (scripts/bench-report.py) on synthetic results:
# medians over rounds and boots, ratios, targets, failures.
UNIT_SCRIPTS += bench/test_report.py
