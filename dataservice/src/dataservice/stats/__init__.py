"""Stats: see views.py and service.py."""
