"""How a portfolio file is read, by the loader and by the render cache alike: a module that
imports nothing heavy (the cache's fast path must not load the portfolio model)."""
from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BYTES = 16 * 1024 * 1024


def read_input(path: Path) -> bytes:
    """A portfolio's bytes: a regular file (a FIFO would block, a device never end), checked
    for size before it is read and read no further than the limit. Raises UserError, or
    OSError (FileNotFoundError included) for the caller to word."""
    from .errors import UserError
    from .findings import Finding
    info = os.stat(path)        # through a symlink: what it points at is what is read
    if stat.S_ISDIR(info.st_mode):
        raise UserError([Finding(str(path), None, "INPUT", "is a directory, not a portfolio file: "
                                 "name a .yaml file inside it")])
    if not stat.S_ISREG(info.st_mode):
        raise UserError([Finding(str(path), None, "INPUT", "is not a regular file (a FIFO, a device "
                                 "or a socket): a portfolio is a YAML file")])
    too_large = UserError([Finding(str(path), None, "INPUT", f"is larger than {MAX_BYTES} bytes; "
                                   "a portfolio is a short YAML file")])
    if info.st_size > MAX_BYTES:
        raise too_large
    # O_NONBLOCK: should it have been swapped for a FIFO since the stat, the open returns
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:     # it grew since the stat
        raise too_large
    return raw
