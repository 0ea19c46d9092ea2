"""``runnerly backup``: encrypted backups of both databases and the worker's lasting Redis
keys, their retention and schedule, a restore drill into scratch databases, and the restore.

A backup is one file, ``runnerly-<UTC time>.tar.age``: a tar of the databases' custom-format
dumps (``pg_dump``), the worker's keys and a manifest of checksums, encrypted with age to
``RUNNERLY_BACKUP_RECIPIENT``; only ``RUNNERLY_BACKUP_IDENTITY`` (kept off the host) opens it
(docs/operations.md; docs/decisions.md, "Backups: encrypted, scheduled, drilled").
"""
