"""The dataservice: Runnerly's system of record (users, runs, races, plans, stats)."""
