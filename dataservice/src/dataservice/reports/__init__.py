"""Reports: see views.py and service.py."""
