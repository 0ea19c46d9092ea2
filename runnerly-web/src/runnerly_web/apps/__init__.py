"""Apps that act for the runner (decision 54): consent, authorized apps, personal tokens."""
