"""MediaDesk benchmarks: `make bench` (python -m bench) prints figures; nothing here asserts."""
