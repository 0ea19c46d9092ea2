"""The web dashboard benchmark (``python -m benchmarks.web``): the JavaScript a runner downloads
and how soon the dashboard answers, on `make run`'s stack."""
