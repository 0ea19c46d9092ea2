import sys

from benchmarks.web.benchmark import main

sys.exit(main())
