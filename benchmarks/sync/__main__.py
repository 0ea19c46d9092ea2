import sys

from benchmarks.sync.benchmark import main

sys.exit(main())
