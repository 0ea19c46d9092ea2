import sys

from benchmarks.streams.benchmark import main

sys.exit(main())
