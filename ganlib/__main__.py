"""Entry point of `python -m ganlib` and of the `ganlib` command that `pip install` makes (see ganlib/cli/)."""
import os
import sys

# numpy's OpenBLAS would start a thread per core beside torch's; one is enough (see device.py). Set before
# cli imports numpy, which reads it once: hence the import below this line, not with the two above
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from ganlib.cli import main  # noqa: E402


def run() -> int:
    return main()


if __name__ == "__main__":
    sys.exit(run())
