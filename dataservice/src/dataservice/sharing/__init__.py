"""What a runner shows others: share links to a run or a race result, and the privacy zones
that hide a shared route's start and end (docs/decisions.md, 65)."""
