"""Runs: the activities of a runner, from Strava, files or typed in by hand."""
