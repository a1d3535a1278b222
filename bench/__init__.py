"""The performance benchmark (issue #8): `make bench` / `python -m bench --help`.

One run measures, on this machine, the platform's throughput over HTTP, the floors it is compared
with (SpiffWorkflow alone, plain SQL), the inbox and metrics calls at national scale, and memory; it
prints a table and writes `bench/results/<date>.json`. See README "Performance"."""
