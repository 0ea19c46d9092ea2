"""A runner's gear (shoes): see models.py, service.py and views.py."""
