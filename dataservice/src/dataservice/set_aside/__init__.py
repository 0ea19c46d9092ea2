"""Activities a source could not store as runs (a Strava activity with a value outside the
stored bounds), kept with their reason so that the runner and the operator see them."""
