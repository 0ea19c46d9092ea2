"""Races: see views.py and service.py."""
