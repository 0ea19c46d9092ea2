"""Apps that act for a runner: the authorization code flow, refresh tokens, personal tokens."""
