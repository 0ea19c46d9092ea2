"""Runnerly's benchmarks, one subpackage per thing measured; each runs as a module from the
repository root (``.venv/bin/python -m benchmarks.sync --help``) on the live-stack harness
(:mod:`runnerly_common.testing`). The figures they print are in docs/performance.md."""
