"""Stats: a runner's totals per period (totals.py) and personal records (records.py),
summed in SQL (buckets.py holds the dialect-specific part), served by views.py."""
