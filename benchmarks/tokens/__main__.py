import sys

from benchmarks.tokens.benchmark import main

sys.exit(main())
