"""Strava's OAuth2: the authorize page, the token endpoint, deauthorization."""
