"""The runner's shoes: see views.py."""
