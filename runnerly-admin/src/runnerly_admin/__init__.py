"""``runnerly``: the operator's command line over the services' admin facades."""
