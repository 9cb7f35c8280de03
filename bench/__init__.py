"""Benchmarks anyone can rerun: suites of instances, solver configurations, a resumable harness, reports."""
