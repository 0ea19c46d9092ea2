import sys

from benchmarks.dataservice.benchmark import main

sys.exit(main())
