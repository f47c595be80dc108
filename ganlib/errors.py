"""The errors ganlib raises for bad input, importable without torch (the UI catches them early)."""


class FieldError(ValueError):
    """A value refused for one named field (of TrainConfig, or a box of a form): str(e) is "field: message", and
    e.field names the box that shows it (no page has to read it back out of the sentence)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message

    def __reduce__(self):
        # the default rebuilds an exception from its args, which here are the sentence, not (field, message)
        return type(self), (self.field, self.message)


class DatasetError(ValueError):
    """The data asked for cannot be used (bad folder, bad files, unknown name)."""


class DatasetUnavailable(DatasetError):
    """The data needs a download and the internet is not reachable."""


class CheckpointError(ValueError):
    """The file is not a usable ganlib checkpoint; the message says why."""


class NoModels(RuntimeError):
    """A copy or a checkpoint asked of a run that holds no models (run/mailbox.NO_MODELS), or no more (LET_GO: a run
    its server has dropped, or one on a cluster that has ended): a page draws nothing of it, or says so."""


SHOWN = 80   # characters of a user's file name repeated in a message


def shown(filename: str) -> str:
    """A user's file name (an upload, a zip entry) as messages repeat it: its last part, printable, not too long.
    Here, at the bottom, since both the data (engine) and the uploads (classroom) name files in their errors."""
    last = str(filename).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c if c.isprintable() else "?" for c in last)
    return base if len(base) <= SHOWN else base[:SHOWN - 3] + "..."
