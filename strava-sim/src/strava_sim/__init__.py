"""strava-sim: a faithful local stand-in for the Strava API v3, for demo, dev and tests."""
