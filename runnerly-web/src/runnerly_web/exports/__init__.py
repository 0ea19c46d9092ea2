"""The runner's "Export all my data": started here, built by the worker (decision 55)."""
