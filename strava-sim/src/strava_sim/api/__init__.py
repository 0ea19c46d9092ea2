"""The Strava API v3 surface: athlete, activities, push subscriptions."""
