"""Reports: a runner's monthly report (service.py), built on the stats queries."""
