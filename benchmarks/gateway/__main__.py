import sys

from benchmarks.gateway.benchmark import main

sys.exit(main())
