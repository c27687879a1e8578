"""Ingest the corpus: `python ingest.py [PATH ...] [--store DIR] [--rebuild] [--json]`."""

import sys

from assistant.cli import ingest_main

if __name__ == "__main__":
    sys.exit(ingest_main())
