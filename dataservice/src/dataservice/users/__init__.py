"""Runners and their profiles, credentials and roles."""
