"""Deterministic athletes and years of activities from a seed, bulk-inserted."""
