"""Shared fixtures: the worker's tests need nothing running except (for integration) Redis."""
