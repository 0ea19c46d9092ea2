"""The dataservice benchmark (``python -m benchmarks.dataservice``): month query and stats
latency at a million runs, bulk upsert throughput; its data generator, which the sync and
gateway benchmarks load too."""
