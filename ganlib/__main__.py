"""Entry point of `python -m ganlib` and of the `ganlib` command that `pip install` makes (see cli.py)."""
import os
import sys


def run() -> int:
    # numpy's OpenBLAS would start a thread per core beside torch's; one is enough (see device.py). Set
    # before cli imports numpy, which reads it once
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from ganlib.cli import main
    return main()


if __name__ == "__main__":
    sys.exit(run())
