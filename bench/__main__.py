"""``make bench``: placeholder until the benchmark issue lands."""

print("no benchmarks yet: see the benchmark issue")
