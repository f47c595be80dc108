"""Entry point of `python -m ganlib` (see cli.py)."""
import os
import sys

# numpy's OpenBLAS would start a thread per core beside torch's; one is enough (see device.py)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .cli import main  # noqa: E402

sys.exit(main())
