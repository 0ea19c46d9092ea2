"""Plans: see views.py and service.py."""
