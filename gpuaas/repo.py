"""Where a tree sits in its Git repository, and what a commit would carry of it.

Argo CD reads the tree from Git at `gitops.path`, so what matters is the path relative to
the work tree's top, and the files in Git's index (what `git commit` records), not the
files on disk.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path


def toplevel(start: Path) -> Path | None:
    """The work tree holding `start` (a `.git` directory or file), or None."""
    here = Path(os.path.abspath(start))
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return None


def place(directory: Path) -> str | None:
    """`directory` as Argo CD would name it: relative to the top of the Git work tree holding
    it; None outside a work tree (a preview, which no Argo CD reads)."""
    top = toplevel(directory)
    if top is None:
        return None
    return Path(os.path.relpath(os.path.abspath(directory), top)).as_posix()


def indexed(directory: Path) -> set[str] | None:
    """Files under `directory` that Git's index holds (paths relative to it), or None when
    it is not inside a work tree. GitError when it is but git cannot say (not installed, or
    refusing the repository): what Argo CD would see is then unknown, never assumed."""
    if toplevel(directory) is None or not directory.is_dir():
        return None
    if not shutil.which("git"):
        raise GitError("git is not installed")
    proc = subprocess.run(["git", "ls-files", "-z", "--", "."], cwd=directory, capture_output=True,
                          timeout=60)
    if proc.returncode:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[0] if message else "git ls-files failed")
    return {name for name in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if name}


def committed(directory: Path, names: list[str], unless: dict[str, str] | None = None) -> dict[str, str]:
    """The text of files under `directory` as HEAD has them (absent ones left out); empty
    outside a work tree or before the first commit. One git process for all of them.
    `unless`: texts a file is expected to have; one that HEAD holds exactly is left out
    too (told by its blob's hash, without reading it)."""
    top = toplevel(directory)
    if top is None or not names or not shutil.which("git"):
        return {}
    prefix = Path(os.path.relpath(os.path.abspath(directory), top)).as_posix()
    if unless:
        same = _unchanged(top, prefix, unless)
        names = [name for name in names if name not in same]
        if not names:
            return {}
    request = "".join(f"HEAD:{prefix}/{name}\n" for name in names).encode()
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=top, input=request,
                          capture_output=True, timeout=60)
    if proc.returncode:
        return {}
    out, data, at = {}, proc.stdout, 0
    for name in names:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        at = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            out[name] = data[at:at + size].decode("utf-8", "replace")
            at += size + 1
    return out


def _unchanged(top: Path, prefix: str, texts: dict[str, str]) -> set[str]:
    """The names whose blob at HEAD is the given text (Git's blob hash of its UTF-8 bytes)."""
    import hashlib
    proc = subprocess.run(["git", "ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", f"{prefix}/"],
                          cwd=top, capture_output=True, timeout=60)
    if proc.returncode:
        return set()
    at_head = {}
    for entry in proc.stdout.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == b"blob":
            at_head[path.decode("utf-8", "surrogateescape")] = fields[2].decode()
    same = set()
    for name, text in texts.items():
        sha = at_head.get(f"{prefix}/{name}")
        if sha is None:
            continue
        data = text.encode("utf-8", "surrogateescape")
        if len(sha) == 40 and hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == sha:
            same.add(name)
    return same


class GitError(Exception):
    """git could not answer: not a work tree, no git, or a revision it does not know."""


def _git(top: Path, *args: str) -> bytes:
    proc = subprocess.run(["git", *args], cwd=top, capture_output=True, timeout=60)
    if proc.returncode:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return proc.stdout


def commit_of(start: Path, rev: str) -> str:
    """The commit `rev` names, from the work tree holding `start`."""
    top = toplevel(start)
    if top is None or not shutil.which("git"):
        raise GitError("not inside a Git work tree (or git is not installed)")
    if rev.startswith("-"):     # never an option to git
        raise GitError(f"{rev!r} is not a revision")
    try:
        return _git(top, "rev-parse", "--verify", "--quiet",
                    f"{rev}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"unknown revision {rev!r}") from None


def show(start: Path, commit: str, path: Path) -> bytes | None:
    """The bytes of `path` (a file in the work tree holding `start`) at `commit`, read from
    Git's objects without a checkout; None when the commit has no such file."""
    top = toplevel(start)
    assert top is not None
    name = Path(os.path.relpath(os.path.abspath(path), top)).as_posix()
    listed = _git(top, "ls-tree", "-z", "--name-only", commit, "--", name).split(b"\0")
    if name.encode("utf-8", "surrogateescape") not in listed:
        return None
    return _git(top, "cat-file", "blob", f"{commit}:{name}")


def listed(start: Path, commit: str, directory: Path) -> list[Path]:
    """Files directly in `directory` at `commit`, as paths like `directory / name`."""
    top = toplevel(start)
    assert top is not None
    name = Path(os.path.relpath(os.path.abspath(directory), top)).as_posix()
    prefix = "" if name == "." else name + "/"
    out = _git(top, "ls-tree", "-z", "--name-only", commit, "--", prefix or ".")
    return [directory / entry.decode("utf-8", "surrogateescape")[len(prefix):]
            for entry in out.split(b"\0") if entry]


@contextlib.contextmanager
def staged(start: Path) -> Iterator[Path]:
    """What `git commit` would record, as a directory: the index's files written to a
    temporary directory outside the repository, whose `.git` file points at the repository's
    Git directory (so the index and HEAD are the repository's). GitError outside a work tree
    or when git cannot say."""
    import tempfile
    top = toplevel(start)
    if top is None:
        raise GitError("not inside a Git work tree: --staged checks what Git's index holds")
    if not shutil.which("git"):
        raise GitError("git is not installed")
    git_dir = subprocess.run(["git", "rev-parse", "--absolute-git-dir"], cwd=top, capture_output=True,
                             text=True, timeout=60)
    if git_dir.returncode:
        raise GitError(git_dir.stderr.strip().splitlines()[-1] if git_dir.stderr.strip() else "git rev-parse failed")
    # a hook's GIT_INDEX_FILE may be relative to the work tree's top (.git/index): made
    # absolute while the copy is checked, whose own .git is a file
    index = os.environ.get("GIT_INDEX_FILE")
    if index and not os.path.isabs(index):
        os.environ["GIT_INDEX_FILE"] = str(top / index)
    copy = Path(tempfile.mkdtemp(prefix="gpuaas-staged-"))
    try:
        run = subprocess.run(["git", "checkout-index", "--all", f"--prefix={copy}/"], cwd=top,
                             capture_output=True, text=True, timeout=600)
        if run.returncode:
            raise GitError(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "git checkout-index failed")
        (copy / ".git").write_text(f"gitdir: {git_dir.stdout.strip()}\n")
        yield copy
    finally:
        shutil.rmtree(copy, ignore_errors=True)
        if index is not None:
            os.environ["GIT_INDEX_FILE"] = index
