"""The gateway benchmarks: throughput and latency against direct access and ModSecurity + CRS
(``python -m benchmarks.gateway``), and the WAF's detection and false positives
(``python -m benchmarks.gateway.waf``); the nginx servers and upstreams they put side by side."""
