"""Signing keys: generation, rotation, publication as JWKS."""
