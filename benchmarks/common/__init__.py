"""What every benchmark shares: the machine it ran on, the report's tables, the repository."""
