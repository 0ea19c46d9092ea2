"""The streams backfill benchmark (``python -m benchmarks.streams``): Strava requests per run
for activity streams, on the sync benchmark's stack."""
