"""Two-factor sign-in: TOTP (RFC 6238) secrets, one-time recovery codes (decision 53)."""
