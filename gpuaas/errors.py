"""How a command ends: the exit codes, and the errors that carry findings to them.

An `Error` raised anywhere below the CLI is printed as its findings and ends the command
with its exit code; the CLI has one handler for all of them (cli._Commands), none per command.
"""
from __future__ import annotations

from .findings import Finding

OK = 0           # done, nothing found
FOUND = 1        # the check ran and found errors (validate), or what the user asked to fail on
BAD_INPUT = 2    # bad input or usage: nothing checked or written
BUG = 3          # an internal error: a bug in gpuaas, never the user's input


class Error(Exception):
    """Reported as findings (file, line, column, code), then exit `exit_code`."""
    exit_code = BAD_INPUT

    def reported(self) -> list[Finding]:
        return [Finding("-", None, "INPUT", str(self))]


class UserError(Error):
    """Bad input: reported as findings, exit code 2, never a traceback."""

    def __init__(self, findings: list[Finding]):
        super().__init__("\n".join(f"{f.where()}: {f.message}" for f in findings))
        self.findings = findings

    def reported(self) -> list[Finding]:
        return self.findings
