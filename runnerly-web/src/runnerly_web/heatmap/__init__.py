"""The runner's heatmap: every route of theirs, for the dashboard's canvas."""
