"""Entry point of `python -m ganlib` (see cli.py)."""
import sys

from .cli import main

sys.exit(main())
