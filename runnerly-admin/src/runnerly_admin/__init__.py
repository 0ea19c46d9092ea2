"""``runnerly``: the operator's command line over the services' own service layers."""
