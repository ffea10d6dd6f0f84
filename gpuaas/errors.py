"""How a command ends: the exit codes, and the errors that carry findings to them.

An `Error` raised anywhere below the CLI is printed as its findings and ends the command
with its exit code; the CLI has one handler for all of them (cli._Commands), none per command.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .findings import Finding

OK = 0           # done, nothing found
FOUND = 1        # the check ran and found errors (validate), or what the user asked to fail on
BAD_INPUT = 2    # bad input or usage: nothing checked or written
BUG = 3          # an internal error: a bug in gpuaas, never the user's input


class Error(Exception):
    """Reported as findings (file, line, column, code), then exit `exit_code`."""
    exit_code = BAD_INPUT

    def reported(self) -> list[Finding]:
        from .findings import Finding
        return [Finding("-", None, "INPUT", str(self))]
