import sys

from benchmarks.celery.benchmark import main

sys.exit(main())
