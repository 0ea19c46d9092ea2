"""The Celery retry benchmark (``python -m benchmarks.celery``): a prefork pool child's memory
per task, by how the task ends; its Celery app (:mod:`.app`) runs in the worker."""
