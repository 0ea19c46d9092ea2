"""The token benchmark (``python -m benchmarks.tokens``): issuance, and local verification
against a /verify_token call per request."""
