"""The TokenDealer: Runnerly's OAuth2 authorization server."""
