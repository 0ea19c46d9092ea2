"""The link between a runner and their Strava athlete: tokens (encrypted) and sync state."""
