"""``python -m indexer``: run one indexer worker until SIGINT/SIGTERM."""

from __future__ import annotations

import sys

from sluice_indexer.main import main

if __name__ == "__main__":
    sys.exit(main())
