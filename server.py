"""Serve the assistant: `python server.py [--host H] [--port P]`."""

import sys

from assistant.cli import serve_main

if __name__ == "__main__":
    sys.exit(serve_main())
