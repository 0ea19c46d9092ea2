import sys

from benchmarks.soak.benchmark import main

sys.exit(main())
