"""Space: one visitor's own folder on a shared server, beside the shared checkpoints everyone may read.

A classroom runs one server for 30 students, so nothing a visitor saves or
uploads lands where another can see, replace or delete it: each visitor gets a
folder under the spaces root, named by a hash of their key (the key itself is
never written anywhere), with checkpoints/ and data/ inside. The shared folder
(the shipped checkpoints and any the operator placed there) is listed for all
and never written from the app. Files are named by opaque refs, never by path:

    mine/NAME.pt        a checkpoint of this visitor's
    shared/NAME.pt      a shared checkpoint (read-only)
    mine/data/NAME.zip  images this visitor uploaded; what data_path names when dataset=folder
    mine/data/NAME.npy  points this visitor drew; what data_path names when dataset=drawn

Everything written is checked first (uploads.py), fits the visitor's quota
(GAN_STUDIO_QUOTA_MB) and the server's budget for all spaces together
(GAN_STUDIO_DISK_MB; a new space only within its address's hourly cap: disk.py,
which also says which spaces make room when it is full), and is written
atomically (files.py). A temporary file is removed only when it is older than
STALE_TEMP_S: a fresh one may be a save in progress (of the same visitor's
other tab, say). data_path names a visitor's own upload; a folder of the
server only when the operator runs GAN Studio for themselves
(GAN_STUDIO_LOCAL_PATHS=1); the command line, the operator's own tool, reads
any path and never goes through a Space.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import threading
import time

import ganlib
from ganlib.classroom import disk
from ganlib.errors import DatasetError
from ganlib.files import atomic_write, write_new
from ganlib.classroom.library import list_checkpoints, save_target
from ganlib.classroom.uploads import checkpoint_upload, data_upload, drawn_upload
from ganlib.settings import keep_seconds, local_paths, max_upload_bytes, megabytes, quota_bytes, read

MINE, SHARED, DATA = "mine/", "shared/", "mine/data/"
STALE_TEMP_S = 3600.0   # a temporary file this old in any space is a save that was killed midway
SWEEP_EVERY_S = 3600.0  # how often the spaces are looked over (at a visitor's arrival, at most this often)
SERVER_PATH_REFUSED = ("data_path: upload your images (a .zip or image files) in the data section and pick the "
                       "upload; folders on the server can be used only when GAN Studio runs on your own "
                       "machine (GAN_STUDIO_LOCAL_PATHS=1)")

_swept: dict[str, float] = {}   # root -> when it was last looked over
_swept_lock = threading.Lock()


def _no_paths(method):
    """An OSError names the file it failed on, a path on the server: visitors are told only what went wrong."""
    @functools.wraps(method)
    def plain(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except OSError as e:
            raise ValueError(f"file: {e.strerror or type(e).__name__} (on the server; nothing was changed)") from None
    return plain


def spaces_root() -> str:
    """Where visitors' spaces live: GAN_STUDIO_SPACES, else visitors/ under home.home() (/data/gan-studio
    when /data is writable, a Hugging Face Space's persistent storage; else ~/.cache/gan-studio)."""
    return read("GAN_STUDIO_SPACES")


def folder_name(key: str) -> str:
    """The name of a visitor's folder: a hash of their key, so that the disk never shows the key."""
    return hashlib.sha256(f"gan-studio-space:{key}".encode()).hexdigest()[:32]


class Space:
    def __init__(self, root: str, key: str, shared: str, *, address: str | None = None):
        """Visitor `key`'s space under `root`, beside the read-only `shared` folder. address: the client's IP as
        Streamlit gives it (None when unknown), counted when this space is made (disk.admit_new_space)."""
        self.shared, self._root, self._address = os.path.abspath(shared), os.path.abspath(root), address
        self._home = os.path.join(self._root, folder_name(key))
        self._checkpoints, self._data = os.path.join(self._home, "checkpoints"), os.path.join(self._home, "data")
        for folder in (self._checkpoints, self._data):
            _remove_temps(folder, STALE_TEMP_S)   # a fresh one may be this visitor's save in another tab
        with contextlib.suppress(OSError):   # a visit keeps the space: its age counts from the last one
            os.utime(self._home)
        sweep(self._root)

    # --- checkpoints ------------------------------------------------------------------------------
    def list(self) -> list[dict]:
        """This visitor's checkpoints, then the shared ones, each newest first: name, ref, preset, dataset, step,
        created, size, picture, mine, error ("" when it reads fine; a bad file is listed, never raised)."""
        return ([_listed(e, MINE, True) for e in list_checkpoints(self._checkpoints)]
                + [_listed(e, SHARED, False) for e in list_checkpoints(self.shared)])

    def save_target(self, name: str) -> str:
        """The ref a checkpoint saved under a typed name gets; ValueError for a name that is not allowed."""
        return MINE + os.path.basename(save_target(self._checkpoints, name))

    def exists(self, ref: str) -> bool:
        try:
            self.path_of(ref)
            return True
        except ValueError:
            return False

    @_no_paths
    def save(self, name: str, data: bytes) -> str:
        """Write a checkpoint's bytes under a typed name in this space (replacing this visitor's file of that
        name, never anyone else's); returns its ref. ValueError for a bad name, a file over the budget or quota."""
        ref = self.save_target(name)
        budget = max_upload_bytes()
        if len(data) > budget:
            raise ValueError(f"checkpoint: this run's checkpoint is {megabytes(len(data))}; a checkpoint here "
                             f"holds at most {megabytes(budget)}: lower g_width or d_width for a smaller model")
        path = os.path.join(self._checkpoints, ref[len(MINE):])
        replaces = os.path.getsize(path) if os.path.isfile(path) else 0
        self._check_quota(len(data), replaces=replaces)
        with disk.room(self._root, self._home, len(data) - replaces):
            atomic_write(self._ready(path), data)
        return ref

    @_no_paths
    def store_upload(self, filename: str, data: bytes) -> str:
        """Check an uploaded checkpoint whole (uploads.checkpoint_upload) and keep it under a fresh name:
        `name.pt`, or `name-2.pt`... when taken. Returns its ref; CheckpointError or ValueError saying why not."""
        name = checkpoint_upload(filename, data)
        self._check_quota(len(data))
        with disk.room(self._root, self._home, len(data)):
            # write_new, not atomic_write: two uploads of one name at once must not overwrite each other
            return MINE + os.path.basename(write_new(self._ready(os.path.join(self._checkpoints, name)), bytes(data)))

    @_no_paths
    def load(self, ref: str) -> dict:
        """The checked payload of a checkpoint (checkpoint.load_checkpoint); messages name it by its ref."""
        # ganlib's lazy name (ganlib/__init__.py): torch loads with the first checkpoint read, not with the first page
        return ganlib.load_checkpoint(self.path_of(ref), name=_name_of(ref))

    @_no_paths
    def read_bytes(self, ref: str) -> bytes:
        with open(self.path_of(ref), "rb") as f:
            return f.read()

    @_no_paths
    def delete(self, ref: str) -> None:
        """Remove one of this visitor's files (a checkpoint or uploaded images); shared ones are refused."""
        path = self.path_of(ref)
        if not ref.startswith(MINE):
            raise ValueError(f"checkpoint: {_name_of(ref)} is shared with everyone on this server and cannot be "
                             f"deleted here")
        os.remove(path)

    def path_of(self, ref: str) -> str:
        """The file a ref names, for ganlib to open; it never leaves the server (ValueError if there is none)."""
        ref = str(ref)
        for prefix, folder, ext in ((DATA, self._data, (".zip", ".npy")), (MINE, self._checkpoints, ".pt"),
                                    (SHARED, self.shared, ".pt")):
            if ref.startswith(prefix):
                name = ref[len(prefix):]
                if _plain(name, ext):
                    path = os.path.join(folder, name)
                    if os.path.isfile(path) and os.path.dirname(os.path.realpath(path)) == os.path.realpath(folder):
                        return path
                break
        field = "data_path" if ref.startswith(DATA) else "checkpoint"
        raise ValueError(f"{field}: there is no {_name_of(ref)!r} among your files or the shared ones")

    # --- uploaded images --------------------------------------------------------------------------------
    @_no_paths
    def store_data(self, files: list[tuple[str, bytes]]) -> str:
        """Check uploaded images (one .zip, or image files: uploads.data_upload) and keep them as one .zip under
        a fresh name; returns the ref for data_path. DatasetError or ValueError saying why not."""
        name, data = data_upload(files)
        self._check_quota(len(data))
        with disk.room(self._root, self._home, len(data)):
            return DATA + os.path.basename(write_new(self._ready(os.path.join(self._data, name)), data))

    @_no_paths
    def save_drawn(self, points) -> str:
        """Check drawn points whole (uploads.drawn_upload) and keep them in this space as a small .npy named by
        their content; returns the ref for data_path. The same points saved again are the file already kept.
        DatasetError or ValueError (the quota, the server's disk) saying why not."""
        name, data = drawn_upload(points)
        path = os.path.join(self._data, name)
        if os.path.isfile(path):   # its name is its content's digest: these very points are kept already
            return DATA + name
        self._check_quota(len(data))
        with disk.room(self._root, self._home, len(data)):
            atomic_write(self._ready(path), data)   # one name, one content: a write at once by another tab is alike
        return DATA + name

    def data_list(self) -> list[dict]:
        """This visitor's uploaded images, newest first: ref, name, size."""
        found = []
        with contextlib.suppress(FileNotFoundError):
            for e in os.scandir(self._data):
                if _plain(e.name, ".zip") and e.is_file():
                    st = e.stat()
                    found.append((st.st_mtime, {"ref": DATA + e.name, "name": e.name, "size": st.st_size}))
        return [d for _, d in sorted(found, key=lambda x: x[0], reverse=True)]

    def data_path(self, value: str) -> str:
        """The file a config's data_path names for this visitor (what load_dataset reads); DatasetError
        otherwise. A server path is refused unread, so the message tells nothing about what is there."""
        value = str(value or "").strip()
        if value.startswith(DATA):
            try:
                return self.path_of(value)
            except ValueError:
                if value.endswith(".npy"):
                    raise DatasetError(f"data_path: you have no drawing named {_name_of(value)!r}; draw points "
                                       f"in the data section and use them") from None
                raise DatasetError(f"data_path: you have no uploaded images named {_name_of(value)!r}; upload "
                                   f"them in the data section") from None
        if local_paths():
            return value
        raise DatasetError(SERVER_PATH_REFUSED)

    def _ready(self, path: str) -> str:
        if not os.path.isdir(self._home):   # the first write makes the space: counted against its address
            disk.admit_new_space(self._address)
        os.makedirs(self._home, mode=0o700, exist_ok=True)   # private: other accounts on the machine see nothing
        return path

    # --- the quota ---------------------------------------------------------------------------------
    def used(self) -> int:
        """Bytes of every file in this space."""
        return disk.measure(self._home)[0]

    def _check_quota(self, adds: int, replaces: int = 0) -> None:
        quota, used = quota_bytes(), self.used()
        if used - replaces + adds > quota:
            raise ValueError(f"quota: your files may take {megabytes(quota)} on this server; they take "
                             f"{megabytes(used)} and this one needs {megabytes(adds)} more. Delete checkpoints "
                             f"or images you no longer need on the Checkpoints page.")


def _listed(entry: dict, prefix: str, mine: bool) -> dict:
    name = os.path.basename(entry.pop("path"))
    entry.pop("shipped", None)
    return {**entry, "ref": prefix + name, "mine": mine}


def _plain(name: str, ext: str) -> bool:
    """A file name directly in its folder: no folders, not hidden, the right extension."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".") and name.endswith(ext)


def _name_of(ref: str) -> str:
    return str(ref).rsplit("/", 1)[-1][:80]


def _remove_temps(folder: str, older_than_s: float) -> None:
    """Remove the temporary files (files.py's .tmp-*) that a killed save left in `folder`."""
    now = time.time()
    with contextlib.suppress(FileNotFoundError, NotADirectoryError, PermissionError):
        for e in os.scandir(folder):
            if e.name.startswith(".tmp-") and e.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if now - e.stat(follow_symlinks=False).st_mtime >= older_than_s:
                        os.remove(e.path)


def sweep(root: str, now: float | None = None) -> None:
    """At most once per SWEEP_EVERY_S and root: remove the spaces nobody has visited for GAN_STUDIO_KEEP_DAYS,
    and old temporary files in the others. A visitor's key is new with each session unless their link keeps
    it, so a killed save is left in a space that may never be made again; only old temporary files go, so
    that another server process's save in progress is left alone."""
    now = time.time() if now is None else now
    with _swept_lock:
        if now - _swept.get(root, -SWEEP_EVERY_S) < SWEEP_EVERY_S:
            return
        _swept[root] = now
    keep = keep_seconds()
    with contextlib.suppress(FileNotFoundError, NotADirectoryError, PermissionError):
        for space in os.scandir(root):
            if not space.is_dir(follow_symlinks=False):
                continue
            if keep and now - disk.measure(space.path)[1] > keep:
                shutil.rmtree(space.path, ignore_errors=True)
                continue
            for sub in ("checkpoints", "data"):
                _remove_temps(os.path.join(space.path, sub), STALE_TEMP_S)

