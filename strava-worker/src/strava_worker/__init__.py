"""Runnerly's Strava sync worker."""
