"""The output folder: checked before any work, written all at once.

Bad input must leave nothing behind, and a failure half-way must not leave a
half-written file where a good one was: the folder is checked up front
(without creating it), and each file is written to a temporary name and
renamed into place.
"""

from __future__ import annotations

import os
from pathlib import Path

from derive.support.errors import InputError, quote


def check_writable(folder: Path, names=()) -> None:
    """Raise InputError unless ``folder`` exists as a writable directory or
    can be created, and none of ``names`` in it is a folder; creates nothing."""
    try:
        _check(folder, names)
    except OSError as error:
        raise InputError(f"--out {quote(folder)}: {error.strerror or error}") from None


def _check(folder: Path, names) -> None:
    if any(len(os.fsencode(part)) > 255 for part in folder.parts) or len(str(folder)) > 4000:
        raise InputError(f"--out {quote(folder)}: file name too long")
    if folder.exists():
        for name in names:
            if (folder / name).is_dir():
                raise InputError(f"--out {quote(folder)}: {name} there is a folder")
        if not folder.is_dir():
            raise InputError(f"--out {quote(folder)}: exists and is not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(f"--out {quote(folder)}: folder is not writable")
        return
    parent = folder.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"--out {quote(folder)}: {quote(parent)} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            f"--out {quote(folder)}: cannot create it, {quote(parent)} is not writable"
        )


def write_files(folder: Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write every file (name → text or bytes) into ``folder`` atomically, one by one."""
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in files.items():
            target = folder / name
            temporary = folder / f".{name}.tmp"
            if isinstance(text, bytes):
                temporary.write_bytes(text)
            else:
                temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, target)
            temporary = None
            written.append(target)
        return written
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise InputError(f"--out {quote(folder)}: {error.strerror or error}") from None
