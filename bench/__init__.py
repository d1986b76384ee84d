"""Benchmarks and the synthetic-archive generator (not part of the test run; see RESULTS.md)."""
