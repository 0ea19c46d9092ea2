"""runnerly-web: the runner-facing web app (sessions, Strava connect, the browser's API)."""
