"""Token issuance (the grants) and verification endpoints."""
