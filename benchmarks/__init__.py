"""Benchmarks for Credstack (run ``python -m benchmarks.core`` from the repository root)."""
