"""Benchmarks of the workflow and its training engine (outside the package: they drive builds)."""
