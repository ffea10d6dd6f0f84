"""How much a portfolio may hold, and how it is read: shared by both readers and the caches."""
import os
import re
import stat
from pathlib import Path

MAX_BYTES = 16 * 1024 * 1024
MAX_NODES = 500_000      # aliases may multiply a small file (billion laughs): refuse early
MAX_DEPTH = 64
# Characters no portfolio value needs and the rendered YAML cannot carry as JSON-quoted text
# (YAML forbids DEL, C1 controls, lone surrogates and U+FFFE/U+FFFF; NEL, U+2028 and U+2029
# are line breaks to YAML 1.1 readers): reached through escapes such as "\x7F" or "\ud800".
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def read_input(path: Path) -> bytes:
    """A portfolio's bytes: a regular file (a FIFO would block, a device never end), checked
    for size before it is read and read no further than the limit. Raises UserError, or
    OSError (FileNotFoundError included) for the caller to word."""
    from ..errors import UserError
    from ..findings import Finding
    info = os.stat(path)        # through a symlink: what it points at is what is read
    if stat.S_ISDIR(info.st_mode):
        raise UserError([Finding(str(path), None, "INPUT", "is a directory, not a portfolio file: "
                                 "name a .yaml file inside it")])
    if not stat.S_ISREG(info.st_mode):
        raise UserError([Finding(str(path), None, "INPUT", "is not a regular file (a FIFO, a device "
                                 "or a socket): a portfolio is a YAML file")])
    if info.st_size > MAX_BYTES:
        raise UserError([Finding(str(path), None, "INPUT", f"is larger than {MAX_BYTES} bytes; "
                                 "a portfolio is a short YAML file")])
    # O_NONBLOCK: should it have been swapped for a FIFO since the stat, the open returns
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise UserError([Finding(str(path), None, "INPUT", f"is larger than {MAX_BYTES} bytes; "
                                 "a portfolio is a short YAML file")])
    return raw
