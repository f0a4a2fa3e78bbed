"""Transfer and delete tasks of the Globus sandbox: real copies, progressively, in a thread.

A task document has the fields of Transfer's ``task`` (see ``globus_sdk.testing``'s
``task_list`` response). Bytes are copied in chunks throttled to ``rate`` bytes per
second, so a client polling ``GET /task/<id>`` sees ``bytes_transferred`` and
``files_transferred`` grow; cancel stops the copy at the next chunk.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
import threading
import time
import uuid
from datetime import datetime, timezone

from .globus_auth import DEMO_USER
from .runner import json_response

CHUNK = 64 * 1024
TERMINAL = ("SUCCEEDED", "FAILED")


def now_iso(t: float | None = None) -> str:
    """Transfer's timestamps: ``2024-01-01T10:00:00+00:00``."""
    return datetime.fromtimestamp(t if t is not None else time.time(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


_iso = now_iso


def _demo_user_id():
    return DEMO_USER["sub"]


class TaskRunner:
    """Tasks of one :class:`~neurodata_widgets.sandbox.globus_server.GlobusServer`."""

    def __init__(self, server, rate: float = 3_000_000):
        self.server = server
        self.rate = float(rate)
        self._lock = threading.RLock()
        self._tasks: dict = {}  # id -> task doc
        self._extra: dict = {}  # id -> {"events": [], "done": [], "cancel": Event}
        self._submissions: dict = {}
        self.paused = threading.Event()  # set it to stall every task (tests, benchmarks)

    # -- queries -------------------------------------------------------------------------------
    def get(self, task_id: str) -> dict | None:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return None
            doc = dict(task)
        doc.pop("_pause_message", None)
        elapsed = max(1e-3, (doc.pop("_ended", None) or time.time()) - doc.pop("_started"))
        doc["effective_bytes_per_second"] = int(doc["bytes_transferred"] / elapsed)
        return doc

    def list(self, req):
        q = req.query
        limit, offset = min(int(q.get("limit", 1000)), 1000), int(q.get("offset", 0))
        try:
            wanted = [_task_clause(c) for c in q.get("filter", "").split("/") if c]
        except ValueError as exc:
            return self.server._transfer_error(400, "ClientError.BadRequest", str(exc), req)
        with self._lock:
            ids = list(reversed(self._tasks))
        docs = [d for d in map(self.get, ids) if all(test(d) for test in wanted)]
        if q.get("orderby", "").split(" ")[0] == "request_time" and not q["orderby"].upper().endswith("DESC"):
            docs.reverse()
        page = docs[offset:offset + limit]
        return json_response({"DATA_TYPE": "task_list", "DATA": page, "length": len(page), "limit": limit,
                              "offset": offset, "total": len(docs)})

    def in_use(self) -> set:
        """Collections of tasks still running (``filter_scope=in-use``)."""
        with self._lock:
            return {cid for t in self._tasks.values() if t["status"] == "ACTIVE"
                    for cid in (t["source_endpoint_id"], t["destination_endpoint_id"]) if cid}

    def update(self, req, task_id):
        """``PUT /task/<id>``: a running task's ``label`` and ``deadline``."""
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None:
            return self.server._transfer_error(404, "TaskNotFound", f"Task {task_id} not found", req)
        doc = req.json() or {}
        unknown = set(doc) - {"DATA_TYPE", "label", "deadline"}
        if unknown:
            return self.server._transfer_error(400, "ClientError.BadRequest",
                                               f"Only label and deadline may be updated, not {sorted(unknown)}", req)
        if task["status"] in TERMINAL:
            return self.server._transfer_error(409, "ClientError.Conflict",
                                               f"Task {task_id} has completed and can no longer be updated", req)
        if doc.get("deadline") is not None and _parse_time(doc["deadline"]) is None:
            return self.server._transfer_error(400, "ClientError.BadRequest",
                                               f"Invalid deadline '{doc['deadline']}'", req)
        self._update(task_id, **{k: doc[k] for k in ("label", "deadline") if doc.get(k) is not None})
        return json_response({"DATA_TYPE": "result", "code": "Updated", "message": "Updated successfully",
                              "request_id": uuid.uuid4().hex[:9], "resource": f"/task/{task_id}"})

    def pause(self, task_id: str, message: str) -> None:
        """An activity manager pauses the task with a message (see :meth:`pause_info`); :meth:`resume` ends it."""
        self._update(task_id, is_paused=True, nice_status="PAUSED_BY_ADMIN",
                     nice_status_short_description="Paused by an administrator", _pause_message=message)

    def resume(self, task_id: str) -> None:
        self._update(task_id, is_paused=False, nice_status="OK", nice_status_short_description="OK",
                     _pause_message=None)

    def pause_info(self, req, task_id):
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None:
            return self.server._transfer_error(404, "TaskNotFound", f"Task {task_id} not found", req)
        message = task.get("_pause_message")
        return json_response({"DATA_TYPE": "pause_info_limited", "pause_rules": [],
                              "source_pause_message": message, "source_pause_message_share": None,
                              "destination_pause_message": None, "destination_pause_message_share": None})

    def successful(self, req, task_id):
        if task_id not in self._tasks:
            return self.server._transfer_error(404, "TaskNotFound", f"Task {task_id} not found", req)
        marker = int(req.query.get("marker", 0) or 0)
        done = self._extra[task_id]["done"]
        page = done[marker:marker + 100]
        nxt = marker + 100 if marker + 100 < len(done) else None
        return json_response({"DATA_TYPE": "successful_transfers", "marker": marker, "next_marker": nxt,
                              "DATA": [{"DATA_TYPE": "successful_transfer", "source_path": s, "destination_path": d}
                                       for s, d in page]})

    def events(self, req, task_id):
        if task_id not in self._tasks:
            return self.server._transfer_error(404, "TaskNotFound", f"Task {task_id} not found", req)
        ev = list(reversed(self._extra[task_id]["events"]))
        for clause in filter(None, req.query.get("filter", "").split("/")):
            field, _, value = clause.partition(":")
            if field != "is_error" or value not in ("0", "1"):
                return self.server._transfer_error(400, "ClientError.BadRequest", f"Invalid filter '{clause}'", req)
            ev = [e for e in ev if e["is_error"] == (value == "1")]
        limit, offset = int(req.query.get("limit", 10)), int(req.query.get("offset", 0))
        page = ev[offset:offset + limit]
        return json_response({"DATA_TYPE": "event_list", "DATA": page, "length": len(page), "limit": limit,
                              "offset": offset, "total": len(ev)})

    # -- changes -------------------------------------------------------------------------------
    def submit(self, req, kind: str):
        doc = req.json() or {}
        srv = self.server
        sub = doc.get("submission_id")
        if sub and sub in self._submissions:  # resubmission is idempotent, as in Transfer
            tid = self._submissions[sub]
            return json_response(self._accepted(req, sub, tid, kind, duplicate=True), 202)
        items = [i for i in doc.get("DATA", []) if i.get("DATA_TYPE") in ("transfer_item", "delete_item")]
        if not items:
            return srv._transfer_error(400, "ClientError.BadRequest.NoTransferItems",
                                       "A transfer requires at least one item", req)
        src_id = doc.get("source_endpoint") or doc.get("endpoint")
        dst_id = doc.get("destination_endpoint") or src_id
        for cid in (src_id, dst_id):
            req.match = {"ep": cid}
            refused = srv._collection(req)[1]  # unknown, a missing consent, an unmet authentication policy
            if refused is not None:
                return refused
        tid = str(uuid.uuid4())
        now = time.time()
        task = {
            "DATA_TYPE": "task", "task_id": tid, "type": kind, "status": "ACTIVE", "label": doc.get("label"),
            "source_endpoint_id": src_id, "source_endpoint": f"ndw#{src_id[:8]}",
            "destination_endpoint": f"ndw#{dst_id[:8]}" if kind == "TRANSFER" else None, "destination_endpoint_id": dst_id if kind == "TRANSFER" else None,
            "source_endpoint_display_name": srv.collections[src_id]["display_name"],
            "destination_endpoint_display_name": srv.collections[dst_id]["display_name"] if kind == "TRANSFER" else None,
            "request_time": _iso(now), "completion_time": None, "deadline": doc.get("deadline") or _iso(now + 86400),
            "bytes_transferred": 0, "bytes_checksummed": 0, "files": 0, "directories": 0, "files_skipped": 0,
            "files_transferred": 0, "subtasks_total": 0, "subtasks_succeeded": 0, "subtasks_pending": 0,
            "subtasks_failed": 0, "subtasks_canceled": 0, "subtasks_expired": 0, "subtasks_retrying": 0,
            "subtasks_skipped_errors": 0, "sync_level": doc.get("sync_level"), "verify_checksum":
            bool(doc.get("verify_checksum", True)), "encrypt_data": bool(doc.get("encrypt_data", False)),
            "preserve_timestamp": bool(doc.get("preserve_timestamp", False)),
            "delete_destination_extra": bool(doc.get("delete_destination_extra", False)),
            "fatal_error": None, "nice_status": "Queued", "nice_status_short_description": "Queued",
            "nice_status_details": None, "nice_status_expires_in": None, "is_paused": False, "is_ok": True,
            "faults": 0, "canceled_by_admin": None, "canceled_by_admin_message": None, "command": "API 0.10",
            "owner_id": _demo_user_id(), "history_deleted": False,
            "username": "u_demo", "symlinks": 0, "skip_source_errors": bool(doc.get("skip_source_errors", False)),
            "fail_on_quota_errors": bool(doc.get("fail_on_quota_errors", False)),
            "filter_rules": doc.get("filter_rules") or None, "recursive_symlinks": "ignore", "_started": now, "_ended": None,
        }
        extra = {"events": [], "done": [], "cancel": threading.Event(), "items": items,
                 "recursive": bool(doc.get("recursive")), "ignore_missing": bool(doc.get("ignore_missing")),
                 "globs": bool(doc.get("interpret_globs"))}
        with self._lock:
            self._tasks[tid] = task
            self._extra[tid] = extra
            if sub:
                self._submissions[sub] = tid
        self._event(tid, "STARTED", "started", "Task started")
        threading.Thread(target=self._run, args=(tid,), name=f"globus-task-{tid[:8]}", daemon=True).start()
        return json_response(self._accepted(req, sub, tid, kind), 202)

    def _accepted(self, req, sub, tid, kind, duplicate=False):
        what = "delete" if kind == "DELETE" else "transfer"
        return {"DATA_TYPE": f"{what}_result", "code": "Duplicate" if duplicate else "Accepted",
                "message": (f"A {what} with id '{sub}' was already submitted") if duplicate else
                f"The {what} has been accepted and a task has been created and queued for execution",
                "request_id": uuid.uuid4().hex[:9], "resource": req.path, "submission_id": sub, "task_id": tid,
                "task_link": {"DATA_TYPE": "link", "href": f"/v0.10/task/{tid}?format=json", "rel": "related",
                              "resource": "task", "title": "related task"}}

    def cancel(self, req, task_id):
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None:
            return self.server._transfer_error(404, "TaskNotFound", f"Task {task_id} not found", req)
        if task["status"] in TERMINAL:
            return json_response({"DATA_TYPE": "result", "code": "TaskComplete",
                                  "message": "The task completed before the cancel request was processed.",
                                  "request_id": uuid.uuid4().hex[:9], "resource": f"/task/{task_id}/cancel"})
        self._extra[task_id]["cancel"].set()
        deadline = time.time() + 5
        while task["status"] not in TERMINAL and time.time() < deadline:
            time.sleep(0.01)
        return json_response({"DATA_TYPE": "result", "code": "Canceled",
                              "message": "The task has been cancelled successfully.",
                              "request_id": uuid.uuid4().hex[:9], "resource": f"/task/{task_id}/cancel"})

    # -- the work ------------------------------------------------------------------------------
    def _event(self, tid, code, description, details, is_error=False):
        self._extra[tid]["events"].append({"DATA_TYPE": "event", "code": code, "description": description,
                                           "details": details, "is_error": is_error, "time": _iso(time.time())})

    def _update(self, tid, **changes):
        with self._lock:
            self._tasks[tid].update(changes)

    def _run(self, tid):
        task, extra = self._tasks[tid], self._extra[tid]
        try:
            pairs = self._plan(task, extra)
            files = [p for p in pairs if p[2] == "file"]
            dirs = sum(1 for p in pairs if p[2] == "dir")
            self._update(tid, files=len(files), directories=dirs, subtasks_total=len(pairs),
                         subtasks_pending=len(pairs), nice_status="OK", nice_status_short_description="OK")
            budget_start, moved = time.monotonic(), 0
            deadline = _parse_time(task["deadline"])
            for src, dst, kind, src_path, dst_path in pairs:
                if extra["cancel"].is_set():
                    raise _Cancel()
                if kind == "skip":  # skip_source_errors: the unreadable source is reported and passed over
                    self._event(tid, "SOURCE_ERROR", "error (skipped)", f"{src_path}: no such file or directory",
                                is_error=True)
                    self._update(tid, subtasks_skipped_errors=task["subtasks_skipped_errors"] + 1,
                                 subtasks_pending=task["subtasks_pending"] - 1)
                    continue
                if kind == "extra":  # delete_destination_extra: not on the source, so not kept on the destination
                    shutil.rmtree(dst) if dst.is_dir() else dst.unlink(missing_ok=True)
                    self._finish_item(tid, None, dst_path, 0)
                    continue
                if task["type"] == "DELETE":
                    if src.is_dir():
                        shutil.rmtree(src)
                    elif src.exists():
                        src.unlink()
                    self._finish_item(tid, src_path, dst_path, 0)
                    continue
                if kind == "dir":
                    dst.mkdir(parents=True, exist_ok=True)
                    self._update(tid, subtasks_succeeded=task["subtasks_succeeded"] + 1,
                                 subtasks_pending=task["subtasks_pending"] - 1)
                    continue
                if _in_sync(src, dst, task["sync_level"]):
                    self._update(tid, files_skipped=task["files_skipped"] + 1,
                                 subtasks_succeeded=task["subtasks_succeeded"] + 1,
                                 subtasks_pending=task["subtasks_pending"] - 1)
                    continue
                dst.parent.mkdir(parents=True, exist_ok=True)
                tmp = dst.with_name(dst.name + ".globus-part")
                with open(src, "rb") as fin, open(tmp, "wb") as fout:
                    while True:
                        if extra["cancel"].is_set():
                            fout.close()
                            tmp.unlink(missing_ok=True)
                            raise _Cancel()
                        if self.paused.is_set() or task["is_paused"]:  # a stalled network or an admin's pause
                            t0 = time.monotonic()
                            while (self.paused.is_set() or task["is_paused"]) and not extra["cancel"].is_set():
                                time.sleep(0.05)
                            budget_start += time.monotonic() - t0
                        if deadline and time.time() > deadline:
                            fout.close()
                            tmp.unlink(missing_ok=True)
                            raise _Deadline()
                        chunk = fin.read(CHUNK)
                        if not chunk:
                            break
                        fout.write(chunk)
                        moved += len(chunk)
                        self._update(tid, bytes_transferred=task["bytes_transferred"] + len(chunk))
                        # throttle: sleep until the bytes moved so far fit the configured rate
                        ahead = moved / self.rate - (time.monotonic() - budget_start)
                        if ahead > 0:
                            time.sleep(ahead)
                if task["verify_checksum"] and _md5(src) != _md5(tmp):
                    raise RuntimeError(f"checksum mismatch on {src_path}")
                if task["verify_checksum"]:
                    self._update(tid, bytes_checksummed=task["bytes_checksummed"] + src.stat().st_size)
                tmp.replace(dst)
                if task["preserve_timestamp"]:
                    shutil.copystat(src, dst)
                self._finish_item(tid, src_path, dst_path, 1)
            self._event(tid, "SUCCEEDED", "succeeded", "Task succeeded")
            self._update(tid, status="SUCCEEDED", nice_status=None, completion_time=_iso(time.time()),
                         _ended=time.time())
        except _Deadline:
            self._event(tid, "DEADLINE_EXCEEDED", "deadline exceeded", "The task deadline passed", is_error=True)
            self._update(tid, status="FAILED", nice_status=None, is_ok=False, completion_time=_iso(time.time()),
                         subtasks_expired=task["subtasks_pending"], subtasks_pending=0, _ended=time.time(),
                         fatal_error={"code": "DEADLINE_EXCEEDED", "description": "deadline exceeded"})
        except _Cancel:
            self._event(tid, "CANCELED", "canceled", "Task canceled by user", is_error=True)
            self._update(tid, status="FAILED", nice_status=None, is_ok=None, completion_time=_iso(time.time()),
                         subtasks_canceled=task["subtasks_pending"], subtasks_pending=0, _ended=time.time(),
                         fatal_error={"code": "CANCELED", "description": "canceled"})
        except Exception as exc:  # an unreadable source fails the task, as Transfer reports it
            code = _error_code(exc)
            self._event(tid, code, "error", str(exc), is_error=True)
            self._update(tid, status="FAILED", nice_status=None, is_ok=False, completion_time=_iso(time.time()),
                         subtasks_failed=task["subtasks_failed"] + 1, _ended=time.time(),
                         fatal_error={"code": code, "description": str(exc)})

    def _finish_item(self, tid, src_path, dst_path, files):
        task = self._tasks[tid]
        if src_path is not None:
            self._extra[tid]["done"].append((src_path, dst_path))
        self._update(tid, files_transferred=task["files_transferred"] + files,
                     subtasks_succeeded=task["subtasks_succeeded"] + 1, subtasks_pending=task["subtasks_pending"] - 1)

    def _plan(self, task, extra):
        """Expand items into (src, dst, kind, src_path, dst_path); directories first.

        ``kind`` is ``file``, ``dir``, ``skip`` (an unreadable source passed over: ``skip_source_errors``) or
        ``extra`` (a destination entry the source lacks, removed: ``delete_destination_extra``).
        """
        srv = self.server
        out = []
        rules = task.get("filter_rules") or []
        for item in extra["items"]:
            src_path = item.get("source_path") or item.get("path")
            if task["type"] == "DELETE":
                out += self._plan_delete(task, extra, src_path)
                continue
            src = srv._resolve(task["source_endpoint_id"], src_path)
            dst_path = item["destination_path"]
            dst = srv._resolve(task["destination_endpoint_id"], dst_path)
            if not src.exists():
                if task["skip_source_errors"]:
                    out.append((src, dst, "skip", src_path, dst_path))
                    continue
                raise FileNotFoundError(src_path)
            if not src.is_dir():
                out.append((src, dst, "file", src_path, dst_path))
                continue
            if not item.get("recursive"):
                raise IsADirectoryError(f"{src_path} is a directory; set recursive")
            out.append((src, dst, "dir", src_path, dst_path))
            kept = set()
            for child, rel in _walk(src, rules):
                kept.add(rel)
                out.append((child, dst / rel, "dir" if child.is_dir() else "file",
                            src_path.rstrip("/") + "/" + rel, dst_path.rstrip("/") + "/" + rel))
            if task["delete_destination_extra"] and dst.is_dir():
                for extra_path in sorted(dst.rglob("*"), reverse=True):
                    rel = extra_path.relative_to(dst).as_posix()
                    if rel not in kept and not _excluded(extra_path.name, extra_path.is_dir(), rules):
                        out.append((None, extra_path, "extra", None, dst_path.rstrip("/") + "/" + rel))
        return out

    def _plan_delete(self, task, extra, path):
        """A delete item: a folder only with ``recursive``, a gap only with ``ignore_missing``; with
        ``interpret_globs`` a last part with ``*``, ``?`` or ``[...]`` deletes every match."""
        srv = self.server
        folder, _, last = path.rstrip("/").rpartition("/")
        if extra["globs"] and any(ch in last for ch in "*?["):
            parent = srv._resolve(task["source_endpoint_id"], folder or "/")
            names = sorted(n for n in (os.listdir(parent) if parent.is_dir() else []) if fnmatch.fnmatchcase(n, last))
            targets = [(parent / n, f"{folder}/{n}") for n in names]
            if not targets and not extra["ignore_missing"]:
                raise FileNotFoundError(f"nothing matches {path}; set ignore_missing to allow that")
        else:
            targets = [(srv._resolve(task["source_endpoint_id"], path), path)]
        out = []
        for src, src_path in targets:
            if not src.exists():
                if extra["ignore_missing"]:
                    continue
                raise FileNotFoundError(f"{src_path} not found; set ignore_missing to skip it")
            if src.is_dir() and not extra["recursive"]:
                raise IsADirectoryError(f"{src_path} is a directory; set recursive to delete it")
            out.append((src, None, "dir" if src.is_dir() else "file", src_path, None))
        return out


def _excluded(name: str, is_dir: bool, rules: list) -> bool:
    """Transfer's filter rules: the first rule whose ``name`` pattern (and ``type``, if given) matches decides."""
    for rule in rules:
        kind = rule.get("type")
        if kind and kind != ("dir" if is_dir else "file"):
            continue
        if fnmatch.fnmatchcase(name, rule.get("name", "")):
            return rule.get("method", "exclude") == "exclude"
    return False


def _walk(top, rules, rel=""):
    """``(path, relative path)`` under ``top``, sorted, folders before their contents; excluded entries (and an
    excluded folder's contents) are left out."""
    for child in sorted(top.iterdir()):
        if _excluded(child.name, child.is_dir(), rules):
            continue
        here = f"{rel}{child.name}"
        yield child, here
        if child.is_dir():
            yield from _walk(child, rules, here + "/")


def _error_code(exc) -> str:
    if isinstance(exc, FileNotFoundError):
        return "FILE_NOT_FOUND"
    if isinstance(exc, IsADirectoryError):
        return "NOT_A_FILE"
    return "ERROR"


class _Cancel(Exception):
    pass


class _Deadline(Exception):
    pass


def _parse_time(text) -> float | None:
    """Transfer's deadline: ISO 8601 (``2024-01-01T10:00:00+00:00`` or with a space)."""
    from datetime import datetime, timezone

    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text).replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def _md5(path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _in_sync(src, dst, level) -> bool:
    """Transfer's sync_level: 0 exists, 1 same size, 2 not older, 3 same checksum."""
    if level is None or not dst.exists():
        return False
    level = int(level)
    if level == 0:
        return True
    if src.stat().st_size != dst.stat().st_size:
        return False
    if level == 1:
        return True
    if level == 2:
        return dst.stat().st_mtime >= src.stat().st_mtime
    return _md5(src) == _md5(dst)


def _task_clause(clause: str):
    """One clause of ``task_list``'s ``filter`` as a test of a task document.

    ``task_id:``, ``status:``, ``type:`` take comma-separated alternatives; ``label:`` takes ``=x``, ``~pattern``
    (``*`` wildcards, any case), ``!x`` and ``!~pattern`` (a task must match one positive and no negative);
    ``request_time:`` and ``completion_time:`` take ``after,before`` (either may be empty); ``endpoint:`` takes
    one collection id, the task's source or destination.
    """
    field, _, value = clause.partition(":")
    if field in ("task_id", "status", "type"):
        allowed = set(value.split(","))
        return lambda d: str(d.get(field)) in allowed
    if field == "endpoint":
        if not value or "," in value:
            raise ValueError(f"Invalid endpoint filter '{value}': give one endpoint id")
        return lambda d: value in (d.get("source_endpoint_id"), d.get("destination_endpoint_id"))
    if field == "label":
        parts = value.split(",")
        pos = [p for p in parts if not p.startswith("!")]
        neg = [p[1:] for p in parts if p.startswith("!")]

        def like(label, p):
            if p.startswith("~"):
                return fnmatch.fnmatch((label or "").lower(), p[1:].lower())
            return (label or "") == (p[1:] if p.startswith("=") else p)

        return lambda d: (not pos or any(like(d.get("label"), p) for p in pos)) and \
            not any(like(d.get("label"), p) for p in neg)
    if field in ("request_time", "completion_time"):
        after, _, before = value.partition(",")
        low, high = _parse_time(after), _parse_time(before)
        if (after and low is None) or (before and high is None):
            raise ValueError(f"Invalid {field} filter '{value}'")

        def within(d):
            when = _parse_time(d.get(field))
            return when is not None and (low is None or when >= low) and (high is None or when < high)

        return within
    raise ValueError(f"Invalid filter field '{field}'")
