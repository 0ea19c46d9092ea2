"""The dashboard's first screen in one answer (decision 68)."""
