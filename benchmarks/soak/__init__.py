"""The soak (``python -m benchmarks.soak``): 200 runners through the gateway against `make run`'s
stack, driven by the locust load generator (:mod:`.locustfile`)."""
