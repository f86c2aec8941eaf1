"""``python -m analysis``: the beatcov command line."""

import sys

from analysis.cli import main

if __name__ == "__main__":  # not when a worker process of --engine dask imports it
    sys.exit(main())
