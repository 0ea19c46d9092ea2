"""Training load per run, and fitness, fatigue and form per day (decision 61)."""
