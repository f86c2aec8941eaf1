"""``python -m analysis``: the beatcov command line."""

import sys

from analysis.cli import main

sys.exit(main())
