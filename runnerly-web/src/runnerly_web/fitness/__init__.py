"""The Fitness page's training load, fitness, fatigue and form (decision 61)."""
