"""The errors ganlib raises for bad input, importable without torch (the UI catches them early)."""


class DatasetError(ValueError):
    """The data asked for cannot be used (bad folder, bad files, unknown name)."""


class DatasetUnavailable(DatasetError):
    """The data needs a download and the internet is not reachable."""


class CheckpointError(ValueError):
    """The file is not a usable ganlib checkpoint; the message says why."""
