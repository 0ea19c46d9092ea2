"""A runner's data exports: what the zip holds (``content``), its Strava GPX (``gpx``), and
the exports the worker builds and the runner downloads (``models``, ``service``, ``views``)."""
