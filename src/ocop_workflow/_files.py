"""Reading data files strictly: a path argument, a size limit, UTF-8 text, TOML.

Shared by the loaders of plan files and spreadsheets (the sheet loaders of
:mod:`ocop_workflow.scoring` catch the same cases). Each function raises :class:`FileFault` for
a file whose content cannot be used, and the caller turns it into its own error
(:class:`~ocop_workflow.simulation.PlanError`, a spreadsheet error...), so that every loader
reports a bad file in its own terms and no :class:`UnicodeDecodeError`, :class:`RecursionError`
or :class:`ValueError` of the parsers escapes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ocop_workflow.errors import InvalidInput

__all__ = [
    "MAX_FILE_BYTES",
    "FileFault",
    "atomic_target",
    "path_argument",
    "read_limited",
    "toml_table",
    "utf8",
]

MAX_FILE_BYTES = 16 * 1024 * 1024
"""The default largest data file read (16 MiB): a national plan over ten years is well under
1 MiB; anything far larger is a mistake or an attack, refused before it is parsed."""


class FileFault(Exception):
    """Why a file cannot be used; ``reason`` completes "plan file 'x' ..."."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def path_argument(value: object, name: str = "path") -> Path:
    """``value`` as a :class:`Path`: :class:`InvalidInput` naming ``name`` unless it is a ``str``
    or a path object (a file descriptor number or bytes is refused: ``open(5)`` would read and
    close descriptor 5)."""
    if not isinstance(value, str | os.PathLike) or isinstance(os.fspath(value), bytes):
        raise InvalidInput(f"{name!r} must be a file path (a str or a Path) (got {value!r})")
    if "\x00" in os.fspath(value):  # the operating system refuses it with a ValueError
        raise InvalidInput(f"{name!r} must not contain a NUL character (got {value!r})")
    return Path(value)


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, refused (:class:`FileFault`) when it cannot be read or holds more
    than ``limit`` bytes (reading stops there, so a huge file costs nothing)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise FileFault(f"cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise FileFault(f"is too large: more than {limit:,} bytes")
    return data


def utf8(data: bytes) -> str:
    """``data`` decoded as UTF-8 (:class:`FileFault` when it is not UTF-8 text)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileFault(f"is not a UTF-8 text file: {error}") from None


def toml_table(text: str) -> dict[str, Any]:
    """``text`` parsed as TOML (:class:`FileFault` when it is not valid, or not usable: an
    integer of more than 4,300 digits, nesting deeper than the parser's recursion allows)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FileFault(f"is not valid TOML: {error}") from None
    except RecursionError:
        raise FileFault("is not usable TOML: nested too deep") from None
    except ValueError as error:
        raise FileFault(f"is not usable TOML: {error}") from None


def _new_file_mode(target: Path) -> int:
    """The mode ``target`` would get from a plain ``open(target, "w")``: its own if it exists,
    otherwise 0o666 less the umask (a temporary file is created 0o600)."""
    with contextlib.suppress(OSError):
        return target.stat().st_mode & 0o7777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target`` to write; renamed over ``target`` (:func:`os.replace`,
    atomic on one file system) when the block ends normally, removed when it raises or is
    interrupted, so that ``target`` is either the old file or the whole new one."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, _new_file_mode(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
