"""``python -m marketsim``: the same command line as ``marketsim``."""

import sys

from marketsim.cli import main

if __name__ == "__main__":
    sys.exit(main())
