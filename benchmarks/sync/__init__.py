"""The Strava sync benchmark (``python -m benchmarks.sync``): runs per second end to end,
where the time goes, and what a sync costs in Strava requests; its instrumented services
(:mod:`.serve`) and worker (:mod:`.worker`) run as modules of their own."""
