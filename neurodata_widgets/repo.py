r"""The one way this toolkit talks to git and git-annex: a few processes, one error, one path encoding.

Every slice that reads a dataset (explorer state, provenance, Globus registration, search
extraction) goes through these functions instead of starting ``git`` itself, so that:

- **one error type**: a failing command raises :class:`GitError` (a :class:`RuntimeError`
  and a :class:`~neurodata_widgets.errors.UserError`), whose message names the command, the
  dataset and git's own complaint, and which the status banner shows as it is;
- **immune to the user's git configuration**: every call pins the settings that change what git
  prints (log, diff, colour, pager, quoting, signatures; see :data:`PINNED_CONFIG`) with ``-c``,
  which overrides every config file and leaves the others (identity, credentials) as they are;
- **one path encoding**: git runs with ``core.quotepath=off`` and output is decoded as UTF-8
  with ``surrogateescape``, so every file name arrives unquoted and a name that is not valid
  UTF-8 survives the round trip (``os.fsencode(name)`` gives its bytes back). Listings use
  ``-z`` so spaces, tabs and newlines in names are ordinary characters;
- **batch modes**: many objects or files are read by ONE ``git cat-file --batch`` or
  ``git annex ... --batch --json`` process, never a process per file;
- **one submodule reader**: :func:`submodules` reads ``.gitmodules`` with ``git config -z``,
  so names and paths with spaces (or dots) are read whole, and "installed" means one thing.

The tools come from the interpreter's own environment (see :mod:`neurodata_widgets.tools`).

Examples
--------
>>> import subprocess, tempfile
>>> from pathlib import Path
>>> top = Path(tempfile.mkdtemp())
>>> _ = subprocess.run(["git", "init", "-q", str(top)], check=True)
>>> (top / "two words.txt").write_text("hello\n")
6
>>> run(top, "add", "two words.txt")
''
>>> run(top, "ls-files", "-z").split("\0")[:-1]
['two words.txt']
>>> run(top, "rev-parse", "--verify", "no-such-branch")
Traceback (most recent call last):
...
neurodata_widgets.repo.GitError: git rev-parse --verify no-such-branch failed in ...: fatal: Needed a single revision
"""
from __future__ import annotations

import codecs
import json
import subprocess
import tempfile
from pathlib import Path

from . import tools
from .errors import UserError

ENCODING = "utf-8"
ERRORS = "surrogateescape"  # names that are not UTF-8 keep their bytes
# The user's git configuration must not change what the toolkit reads: ``-c`` on the command line overrides
# every config file (system, global, repository), yet leaves the rest alone (identity, credentials, remotes).
# Each pair below undoes a setting that changes the output of the commands run here.
PINNED_CONFIG = {
    "core.quotepath": "off",          # names arrive unquoted (with -z too, for the few commands without it)
    "core.pager": "cat",              # never a pager, whatever core.pager / pager.<cmd> say
    "color.ui": "never",              # no colour codes in output read by a program ...
    **{f"color.{what}": "never" for what in (  # ... the specific keys win over color.ui, so pin them too
        "diff", "status", "branch", "grep", "decorate", "showBranch", "interactive", "advice", "remote",
        "push", "transport")},
    "log.showRoot": "true",           # a root commit's files are part of it
    "log.showSignature": "false",     # no gpg lines inside log output
    "log.decorate": "false",
    "log.follow": "false",
    "log.mailmap": "false",           # names as recorded, as DataLad reads them
    "log.abbrevCommit": "false",
    "diff.renames": "false",          # a rename is a deletion and an addition, as --raw without -M shows
    "diff.noprefix": "false",
    "diff.mnemonicPrefix": "false",
    "diff.relative": "false",
    "diff.ignoreSubmodules": "none",  # subdataset pointers are changes
    "diff.submodule": "short",
    "i18n.logOutputEncoding": "UTF-8",
    "grep.patternType": "basic",     # --grep means what git documents, whatever the user prefers
}
GIT_OPTIONS = tuple(arg for key, value in PINNED_CONFIG.items() for arg in ("-c", f"{key}={value}"))


class GitError(UserError, RuntimeError):
    """A git or git-annex command failed; the message says which, where and why.

    Attributes
    ----------
    command : list of str
        The git arguments (without ``git -C <path>``).
    path : str
        The dataset the command ran in.
    returncode : int
    stderr : str
        What git wrote on its error stream.
    """

    def __init__(self, command, path, returncode: int, stderr: str, hint: str = ""):
        self.command = [str(a) for a in command]
        self.path = str(path)
        self.returncode = returncode
        self.stderr = (stderr or "").strip()
        shown = " ".join(self.command[:6]) + (" ..." if len(self.command) > 6 else "")
        why = self.stderr[-600:] or f"exit code {returncode}"
        super().__init__(f"git {shown} failed in {self.path}: {why}",
                         hint or "Check that the folder is a DataLad dataset (git and git-annex) and try again.")
        # a banner leads with git's last words only (usually its "fatal: …" line); the rest is under Details
        last = next((line.strip() for line in reversed(why.splitlines()) if line.strip()), why)
        self.message = f"git {shown} failed in {self.path}: {last[:200]}"


def _argv(path, args) -> list[str]:
    return [tools.which("git") or "git", "-C", str(path), *GIT_OPTIONS, *map(str, args)]


def _decode(data: bytes) -> str:
    return data.decode(ENCODING, ERRORS)


def _encode(text: str) -> bytes:
    return text.encode(ENCODING, ERRORS)


def run_bytes(path, *args, input: bytes | None = None, check: bool = True, hint: str = "") -> bytes:
    """Run ``git <args>`` in ``path`` and return its standard output as bytes.

    Raises
    ------
    GitError
        When git exits non-zero and ``check`` is true.
    """
    try:
        proc = subprocess.run(_argv(path, args), input=input, capture_output=True)
    except FileNotFoundError as exc:  # git itself missing, or the folder vanished
        raise GitError(args, path, -1, str(exc)) from None
    if check and proc.returncode != 0:
        raise GitError(args, path, proc.returncode, _decode(proc.stderr), hint)
    return proc.stdout


def run(path, *args, input: str | None = None, check: bool = True, hint: str = "") -> str:
    """Run ``git <args>`` in ``path``; standard output as text (UTF-8, surrogateescape).

    ``check=False`` returns whatever git printed (often ``""``) instead of raising;
    ``hint`` replaces the error's default advice to the user.
    """
    data = run_bytes(path, *args, input=None if input is None else _encode(input), check=check, hint=hint)
    return _decode(data)


def annex(path, *args, input: str | None = None, check: bool = True, hint: str = "") -> str:
    """Run ``git annex <args>`` in ``path`` (``input`` feeds a ``--batch`` mode)."""
    return run(path, "annex", *args, input=input, check=check, hint=hint)


def succeeds(path, *args) -> bool:
    """Whether ``git <args>`` exits 0 (for questions such as ``merge-base --is-ancestor``)."""
    try:
        return subprocess.run(_argv(path, args), capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


def annex_json(path, *args, items=None, check: bool = False, hint: str = "") -> list[dict]:
    """Records of a git-annex ``--json`` command; ``items`` are fed to its ``--batch`` mode.

    Items git-annex has nothing to say about (a file not in the annex) and lines that are
    not JSON are left out; :func:`annex_batch` keeps one answer per item instead.

    Examples
    --------
    >>> [r["success"] for r in annex_json(demo["superdataset"], "info", "--bytes")]
    [True]
    """
    if items is not None:
        return [r for r in annex_batch(path, *args, items=items, check=check, hint=hint) if r is not None]
    return [r for r in map(_json_line, annex(path, *args, "--json", "--json-error-messages", check=check,
                                             hint=hint).splitlines()) if r is not None]


def annex_batch(path, *args, items, check: bool = False, hint: str = "") -> list[dict | None]:
    """One JSON answer per item from ONE ``git annex <args> --batch --json`` process, in order.

    A batch answers each input line with one output line: a blank line (here ``None``)
    when it has nothing to say. Pairing answers with the items asked, rather than with the
    ``file`` field, keeps names git-annex's JSON cannot carry (bytes that are not UTF-8).

    Examples
    --------
    >>> answers = annex_batch(demo["superdataset"], "whereis", items=["README.md", "figures/mean_intensity.png"])
    >>> answers[0], answers[1]["key"], len(answers[1]["whereis"])
    (None, 'MD5E-s407--dde7d2314da5c504931093eedffd4ffe.png', 2)
    """
    items = list(items)
    out = annex(path, *args, "--json", "--json-error-messages", "--batch",
                input="".join(f"{item}\n" for item in items), check=check, hint=hint)
    return [_json_line(line) for line in out.split("\n")[:len(items)]]


def _json_line(line: str):
    try:
        return json.loads(line) if line.strip() else None
    except ValueError:
        return None


def cat_objects(path, names) -> list[bytes | None]:
    r"""Contents of many git objects (``<sha>`` or ``<rev>:<path>``) from ONE ``git cat-file --batch``.

    Answers come in the order asked; a missing object gives ``None``.

    Examples
    --------
    >>> readme, missing = cat_objects(demo["superdataset"], ["HEAD:README.md", "HEAD:nothing"])
    >>> readme.splitlines()[0], missing
    (b'# ndw-demo', None)
    """
    names = list(names)
    if not names:
        return []
    out = run_bytes(path, "cat-file", "--batch", "--buffer", input=b"".join(_encode(n) + b"\n" for n in names))
    found, pos = [], 0
    for _ in names:
        eol = out.index(b"\n", pos)
        header = out[pos:eol].rsplit(b" ", 2)
        pos = eol + 1
        if len(header) == 3 and header[2].isdigit() and header[1] in (b"blob", b"tree", b"commit", b"tag"):
            size = int(header[2])
            found.append(out[pos:pos + size])
            pos += size + 1
        else:  # "<name> missing" / "<name> ambiguous"
            found.append(None)
    return found


def stream(path, *args, chunk_size: int = 1 << 20):
    """Run ``git <args>`` once and yield its output as text pieces while git still writes.

    The caller parses while git works (two processes, two cores). A reader that stops
    early is fine (git ends on the closed pipe); a git that fails raises :class:`GitError`
    once its output has been read to the end.
    """
    errors = tempfile.TemporaryFile()  # a file, not a pipe: git must never block on its warnings
    try:
        proc = subprocess.Popen(_argv(path, args), stdout=subprocess.PIPE, stderr=errors)
    except FileNotFoundError as exc:
        errors.close()
        raise GitError(args, path, -1, str(exc)) from None
    decoder = codecs.getincrementaldecoder(ENCODING)(errors=ERRORS)
    finished = False
    try:
        while True:
            data = proc.stdout.read1(chunk_size)
            text = decoder.decode(data, final=not data)
            if text:
                yield text
            if not data:
                finished = True
                break
    finally:
        proc.stdout.close()
        code = proc.wait()
        errors.seek(0)
        message = _decode(errors.read())
        errors.close()
        if code != 0 and finished:  # an early stop makes git exit on a closed pipe: not an error
            raise GitError(args, path, code, message)


def verification_id(shown: str, name: str) -> str:
    """The id git-annex asks to confirm for special remote ``name`` in text it printed, or ``""``.

    git-annex (10.2025+) refuses a special remote someone else configured until this clone runs
    ``git annex verifyremote NAME --safe ID``; ``enableremote`` and ``verifyremote NAME`` print that command. The
    id changes when the remote's configuration does, so a confirmation refers to the configuration shown.
    """
    import re

    found = re.findall(rf"verifyremote {re.escape(name)} --safe (\S+)", shown)
    return found[-1] if found else ""


def remote_to_verify(path, name: str, check: bool = True) -> tuple[str, str]:
    """What git-annex shows before special remote ``name`` is trusted: ``(its settings, the id to confirm)``."""
    out = annex(path, "verifyremote", name, check=check)
    settings = "\n".join(line.strip() for line in out.splitlines() if "=" in line and "verifyremote" not in line)
    return settings, verification_id(out, name)


def verify_remote(path, name: str, safe_id: str) -> None:
    """Trust special remote ``name`` in the configuration ``safe_id`` names (``git annex verifyremote --safe``)."""
    annex(path, "verifyremote", name, "--safe", safe_id)


def config(path, key: str, file: str | None = None) -> str:
    """One configuration value (``""`` when unset); ``file`` reads a committed file such as ``.datalad/config``."""
    where = ["-f", file] if file else []
    return run(path, "config", *where, "--get", key, check=False).strip()


def dataset_id(path) -> str:
    """The DataLad id of the dataset at ``path`` (``""`` for a plain git repository)."""
    return config(path, "datalad.dataset.id", file=".datalad/config") if (Path(path) / ".datalad").is_dir() else ""


def is_repository(path) -> bool:
    """Whether ``path`` is the top of a git work tree (``.git`` folder, or ``gitdir:`` file in a subdataset)."""
    return (Path(path) / ".git").exists()


def git_dir(path) -> Path:
    """The repository directory of a work tree (``.git`` may be a ``gitdir:`` file in subdatasets)."""
    dot = Path(path) / ".git"
    if dot.is_file():
        target = dot.read_text(errors=ERRORS).strip().partition("gitdir:")[2].strip()
        return (Path(path) / target).resolve()
    return dot


_GITMODULES: dict = {}  # dataset path -> (stat of .gitmodules, parsed entries)


def _read_gitmodules(path: Path) -> dict:
    out = run(path, "config", "-z", "-f", ".gitmodules", "--list", check=False)
    entries: dict = {}
    for item in out.split("\0"):
        key, _, value = item.partition("\n")  # -z: "key\nvalue\0"; a name may hold spaces and dots
        if key.startswith("submodule."):
            name, _, field = key[len("submodule."):].rpartition(".")
            entries.setdefault(name, {})[field] = value
    return entries


def submodules(path) -> list[dict]:
    r"""The subdatasets registered in ``.gitmodules`` of the dataset at ``path``, sorted by path.

    Each entry: ``name``, ``path`` (relative, as written), ``url``, ``id`` (``datalad-id``) and
    ``installed`` (the subdataset's folder is a git work tree). Read with ``git config -z``:
    names and paths with spaces or dots are read whole.

    Examples
    --------
    >>> import tempfile
    >>> top = Path(tempfile.mkdtemp())
    >>> _ = (top / ".gitmodules").write_text(
    ...     '[submodule "my raw data"]\n\tpath = my raw data\n\turl = ./my raw data\n\tdatalad-id = 42\n')
    >>> submodules(top)
    [{'name': 'my raw data', 'path': 'my raw data', 'url': './my raw data', 'id': '42', 'installed': False}]
    """
    path = Path(path)
    try:
        stat = (path / ".gitmodules").stat()
    except OSError:
        return []
    stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    cached = _GITMODULES.get(str(path))
    if cached is None or cached[0] != stamp:  # refreshes re-read it often: one process per change, not per read
        cached = (stamp, _read_gitmodules(path))
        _GITMODULES[str(path)] = cached
    found = []
    for name, fields in cached[1].items():
        rel = fields.get("path")
        if not rel:
            continue
        found.append({"name": name, "path": rel, "url": fields.get("url", ""), "id": fields.get("datalad-id", ""),
                      "installed": is_repository(path / rel)})
    return sorted(found, key=lambda s: s["path"])


def remove_tree(path) -> None:
    """Remove a dataset's folder, git-annex's read-only object folders included (a half-made clone, a rebuild)."""
    import os
    import shutil

    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            try:
                os.chmod(os.path.join(dirpath, d), 0o755)
            except OSError:
                pass
    shutil.rmtree(path, ignore_errors=True)
