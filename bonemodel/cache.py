"""One policy for every on-disk cache of generated code: the numpy modules, the sensitivity code, numba's machine code.

Whatever is read back from a cache is executed (Python source) or unpickled (numba's
index and data files), so a cache is only as trustworthy as the people who can write to
it. The rules, applied by every cache through this module:

- The folder is ``BONEMODEL_CACHE``; an empty ``BONEMODEL_CACHE`` disables every disk
  cache (nothing written to disk outlives the process); unset, it is
  ``$XDG_CACHE_HOME/bonemodel`` or ``~/.cache/bonemodel``.
- Folders are created with mode 0700. The cache folder, its subfolders and every folder
  created for it are used only if each is a real folder (not a symbolic link), owned by
  this user and writable by nobody else. The folders above it must be owned by this user
  or by root and not writable by everyone (unless sticky, as ``/tmp``), so that nobody
  else can rename the cache away and put their own in its place.
- A file is read only if it is a regular file (not a link, not a pipe) owned by this
  user and writable by nobody else.
- Files are written atomically: a temporary file with an unpredictable name and mode
  0600 in the same folder, flushed to disk, then renamed over the old one.
- A folder or file that fails a check is not used, and a :class:`CacheWarning` names it
  and says why (once per folder and process); the code is generated afresh instead.

Checksums inside generated files only detect torn or corrupted files; trust comes from
ownership and modes, as for Python's own ``__pycache__``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "CacheWarning",
    "cache_dir",
    "file_trusted",
    "private_folder",
    "read_bytes",
    "read_text",
    "safe_name",
    "write_atomic",
    "warn_once",
    "write_text",
]


class CacheWarning(UserWarning):
    """A cache folder or file is not private to this user, so it is not used."""


_WARNED: set[str] = set()
_WARN_LOCK = threading.Lock()


def cache_dir() -> Path | None:
    """Folder of the on-disk cache, or None when ``BONEMODEL_CACHE`` is set to an empty string.

    Only resolves the name; :func:`private_folder` checks (and creates) it before any use.

    Returns
    -------
    pathlib.Path or None
        ``BONEMODEL_CACHE``, else ``$XDG_CACHE_HOME/bonemodel`` or ``~/.cache/bonemodel``; None if disabled.
    """
    env = os.environ.get("BONEMODEL_CACHE")
    if env is not None:
        return Path(os.path.abspath(os.path.expanduser(env))) if env else None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG specification says relative values are to be ignored.
    base = xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    return Path(os.path.abspath(base)) / "bonemodel"


def private_folder(sub: str | None = None) -> Path | None:
    """The cache folder (or its subfolder ``sub``), created if needed, if it is private to this user.

    Returns None, without touching anything, when the disk cache is disabled; returns None
    with a :class:`CacheWarning` when a check fails (see the module documentation).

    Parameters
    ----------
    sub
        A subfolder name (e.g. for numba's machine code), or None for the cache folder itself.

    Returns
    -------
    pathlib.Path or None
        The folder, or None if the cache is disabled or the folder is not private.
    """
    root = cache_dir()
    if root is None:
        return None
    folder = root / sub if sub else root
    problem = _prepare(root, folder)
    if problem is not None:
        where, why = problem
        subject = "it" if where == folder else f"'{where}'"
        warn_once(str(folder), f"bonemodel cache folder '{folder}' is not used: {subject} {why}")
        return None
    return folder


def read_bytes(path: Path) -> bytes | None:
    """Content of the cache file ``path``, or None if it is missing or not private to this user.

    Parameters
    ----------
    path
        A file in a folder from `private_folder`.

    Returns
    -------
    bytes or None
        The content, or None.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:  # a symbolic link (ELOOP), a folder, no permission, ...
        problem = "is a symbolic link" if os.path.islink(path) else f"cannot be opened ({exc.strerror})"
        _warn_file(path, problem)
        return None
    with open(fd, "rb", closefd=True) as handle:
        problem = _file_problem(os.fstat(fd))
        if problem is not None:
            _warn_file(path, problem)
            return None
        try:
            return handle.read()
        except OSError:
            return None


def read_text(path: Path) -> str | None:
    """UTF-8 text of the cache file ``path``, or None if missing, not private or not text.

    Parameters
    ----------
    path
        A file in a folder from `private_folder`.

    Returns
    -------
    str or None
        The text, or None.
    """
    data = read_bytes(path)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def file_trusted(path: Path) -> bool:
    """Whether ``path`` is absent or a regular file owned by this user and writable by nobody else.

    For files another library opens itself (numba's index); inside a private folder nobody
    else can swap the file between this check and the opening.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    bool
        True if it may be used.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError as exc:
        _warn_file(path, f"cannot be read ({exc.strerror})")
        return False
    problem = _file_problem(st)
    if problem is not None:
        _warn_file(path, problem)
        return False
    return True


@contextlib.contextmanager
def write_atomic(path: Path) -> Iterator[BinaryIO]:
    """Binary handle whose content replaces ``path`` in one step when the block ends without error.

    The temporary file has an unpredictable name and mode 0600, sits in the same folder
    (so the rename is atomic) and is flushed to disk first, so readers see the old file
    or the whole new one, never a part. ``path``'s folder must come from :func:`private_folder`.

    Parameters
    ----------
    path
        The file to replace.

    Yields
    ------
    BinaryIO
        The handle to write the new content to.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with open(fd, "wb", closefd=True) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> bool:
    """Write ``text`` to the cache file ``path`` atomically; False (and nothing left) if it failed.

    A cache that cannot be written only costs a regeneration next time, so errors are not raised.

    Parameters
    ----------
    path
        The file, in a folder from `private_folder`.
    text
        The content.

    Returns
    -------
    bool
        True if the file was written.
    """
    try:
        with write_atomic(path) as handle:
            handle.write(text.encode("utf-8"))
    except OSError:
        return False
    return True


# ------------------------------------------------------------------ checks


def _uid() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None  # no owners to check on Windows


def _folder_problem(path: Path) -> tuple[Path, str] | None:
    """Why ``path`` is not a folder private to this user, or None."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return path, f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        return path, "is a symbolic link; point BONEMODEL_CACHE at the real folder"
    if not stat.S_ISDIR(st.st_mode):
        return path, "is not a folder"
    uid = _uid()
    if uid is not None and st.st_uid != uid:
        return path, f"is owned by user id {st.st_uid}, not by this user ({uid})"
    if uid is not None and st.st_mode & 0o022:
        who = "everyone" if st.st_mode & 0o002 else "its group"
        return (
            path,
            f"is writable by {who} (mode {st.st_mode & 0o7777:04o}); make it private with `chmod 700`",
        )
    return None


def _ancestor_problem(path: Path, uid: int) -> tuple[Path, str] | None:
    """Why someone else could replace what lies inside the existing folder ``path``, or None."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            if st.st_uid not in (uid, 0):
                return path, f"is a symbolic link owned by user id {st.st_uid}"
            st = os.stat(path)
    except OSError as exc:
        return path, f"cannot be read ({exc.strerror})"
    if not stat.S_ISDIR(st.st_mode):
        return path, "is not a folder"
    if st.st_uid not in (uid, 0):
        return path, f"is owned by user id {st.st_uid}, who could replace the cache inside it"
    if st.st_mode & 0o002 and not st.st_mode & stat.S_ISVTX:
        return path, "is writable by everyone (and not sticky), so anyone could replace the cache inside it"
    return None


def _ancestors(path: Path) -> list[Path]:
    return list(reversed(path.parents))


def _prepare(root: Path, folder: Path) -> tuple[Path, str] | None:
    """Create ``folder`` (under the cache ``root``) if needed and check it; the problem, or None."""
    uid = _uid()
    # Folders from the first missing one down to ``folder`` are created by the cache (0700).
    chain = [*_ancestors(folder), folder]
    first_missing = len(chain)
    for i, p in enumerate(chain):
        if not os.path.lexists(p):
            first_missing = i
            break
    strict_from = min(chain.index(root), first_missing)
    if uid is not None:
        for p in chain[:strict_from]:
            problem = _ancestor_problem(p, uid)
            if problem is not None:
                return problem
        real = Path(os.path.realpath(chain[strict_from - 1])) if strict_from > 0 else None
        if real is not None:
            for p in [*_ancestors(real), real]:
                problem = _ancestor_problem(p, uid)
                if problem is not None:
                    return problem
    for p in chain[strict_from:]:
        try:
            os.mkdir(p, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            return p, f"cannot be created ({exc.strerror})"
        problem = _folder_problem(p)
        if problem is not None:
            return problem
    return None


def _file_problem(st: os.stat_result) -> str | None:
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    uid = _uid()
    if uid is not None and st.st_uid != uid:
        return f"is owned by user id {st.st_uid}, not by this user ({uid})"
    if uid is not None and st.st_mode & 0o022:
        return f"is writable by others (mode {st.st_mode & 0o7777:04o})"
    return None


def _warn_file(path: Path, problem: str) -> None:
    warn_once(
        f"{Path(path).parent}:files",
        f"bonemodel cache file '{path}' is not used: it {problem}; the code is generated afresh",
    )


def warn_once(key: str, message: str) -> None:
    """Issue a :class:`CacheWarning` with ``message``, once per ``key`` (a folder) and process.

    Parameters
    ----------
    key
        What the warning is about (usually a folder); each key warns once per process.
    message
        The warning's text.
    """
    with _WARN_LOCK:
        if key in _WARNED:
            return
        _WARNED.add(key)
    warnings.warn(
        message + " (set BONEMODEL_CACHE to a private folder, or to '' to disable the disk cache)",
        CacheWarning,
        stacklevel=2,
    )


def safe_name(name: str) -> str:
    """``name`` reduced to letters, digits, ``_`` and ``-``, for use in a cache file name.

    Parameters
    ----------
    name
        Any text, e.g. a model name.

    Returns
    -------
    str
        The reduced name.
    """
    return "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "_-" else "_" for ch in str(name))[:64]
