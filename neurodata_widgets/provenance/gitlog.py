r"""One ``git log`` process, parsed while it writes: commits with their raw changes.

The format separates fields with NUL and opens each commit with ``\x01``; a commit
message cannot hold NUL, so ``"\0\x01"`` only ever starts a commit. ``--raw`` with
``-z`` gives NUL-terminated paths (any byte but NUL) and the blob ids lineage needs.

Examples
--------
>>> text = "\x01abc\x00\x00Ann\x00a@x\x0010\x00msg\x00\x00\n:000000 100644 0000 1111 A\x00f.txt\x00"
>>> parse_log(text)[0]["changes"]
[('A', 'f.txt', '0000', '1111', '100644')]
"""
from __future__ import annotations

from contextlib import closing

from ..repo import run as git  # noqa: F401  (the one git runner; provenance modules import it from here)
from ..repo import stream

LOG_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%at%x00%B%x00"


def parse_log(text: str) -> list[dict]:
    """Split the output of ``git log -z --format=LOG_FORMAT --raw`` into commit dicts.

    Each dict has ``commit``, ``parents``, ``author``, ``email``, ``time``, ``body`` and
    ``changes`` (``[(status, path, old_blob, new_blob, mode)]``).
    """
    return [c for c in map(_parse_chunk, ("\0" + text).split("\0\x01")[1:]) if c]


def stream_log(path, *args, chunk_size: int = 1 << 20):
    """Run ``git log -z --format=LOG_FORMAT <args>`` once and yield commit dicts while git still writes.

    Parsing overlaps with git's own work (two processes, two cores).
    """
    buffer = "\0"
    with closing(stream(path, "log", "-z", f"--format={LOG_FORMAT}", *args, chunk_size=chunk_size)) as pieces:
        for text in pieces:
            buffer += text
            complete, marker, tail = buffer.rpartition("\0\x01")  # keep the last commit back: git may still write it
            if not marker:
                continue
            buffer = marker + tail
            for chunk in complete.split("\0\x01")[1:]:
                commit = _parse_chunk(chunk)
                if commit:
                    yield commit
    for chunk in buffer.split("\0\x01")[1:]:
        commit = _parse_chunk(chunk)
        if commit:
            yield commit


def _parse_chunk(chunk: str) -> dict | None:
    parts = chunk.split("\0", 6)
    if len(parts) < 6:
        return None
    sha, parents, author, email, when, body = parts[:6]
    rest = parts[6] if len(parts) > 6 else ""
    return {"commit": sha, "parents": parents.split(), "author": author, "email": email,
            "time": int(when or 0), "body": body, "changes": _parse_raw(rest)}


def _parse_raw(rest: str) -> list:
    tokens = rest.lstrip("\0\n").split("\0")
    changes, i = [], 0
    while i < len(tokens):
        meta = tokens[i].lstrip("\n")
        if not meta.startswith(":"):
            i += 1
            continue
        fields = meta[1:].split()
        if len(fields) < 5:
            i += 1
            continue
        status = fields[4][0]
        if status in "RC":  # two paths: the new one is what exists now
            path = tokens[i + 2] if i + 2 < len(tokens) else ""
            i += 3
        else:
            path = tokens[i + 1] if i + 1 < len(tokens) else ""
            i += 2
        changes.append((status, path, fields[2], fields[3], fields[1]))
    return changes
