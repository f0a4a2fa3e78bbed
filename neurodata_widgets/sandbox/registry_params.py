"""The stand-in registry's query parameters: validated like the registry's pydantic (v1) model.

Errors come back as pydantic v1 does, a list of ``{"loc", "msg", "type", "ctx"?}`` in the
order of the model's fields; the valid values are kept normalised (a UUID lower-case and
hyphenated, ``True``/``False``, ISO datetimes), since the page links are rebuilt from them.

Examples
--------
>>> values, errors = validate({"ds_id": "835DB7678B8640A788E5F1FDB74E2B78", "page": "0"})
>>> values["ds_id"], errors[0]["loc"], errors[0]["msg"]
('835db767-8b86-40a7-88e5-f1fdb74e2b78', ['page'], 'ensure this value is greater than 0')
>>> link({"search": 'a "b"', "per_page": 20}, 2)
'/api/v2/dataset-urls?search=a+%22b%22&per_page=20&page=2'
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath
from urllib.parse import urlencode

ORDER_KEYS = ("url", "annex_key_count", "annexed_files_in_wt_count", "annexed_files_in_wt_size",
              "last_update_dt", "git_objects_kb")
RANGES = ("annex_key_count", "annexed_files_in_wt_count", "annexed_files_in_wt_size")
# the model's field order: errors are listed and links are written in this order
ORDER = ("search", "url", "ds_id",
         *(f"{b}_{f}" for f in RANGES for b in ("min", "max")),
         "earliest_last_update", "latest_last_update", "min_git_objects_kb", "max_git_objects_kb",
         "processed", "cache_path", "return_metadata", "page", "per_page", "order_by", "order_dir")
DEFAULTS = {"page": 1, "per_page": 20, "order_by": "last_update_dt", "order_dir": "desc"}
ENUMS = {"return_metadata": ("reference", "content"), "order_by": ORDER_KEYS, "order_dir": ("asc", "desc")}
TRUE, FALSE = {"1", "on", "t", "true", "y", "yes"}, {"0", "off", "f", "false", "n", "no"}
DATETIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d{0,6})?)?"
                      r"(Z|[+-]\d{2}(?::?\d{2})?)?$")
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+")  # a scheme and a host: pydantic's AnyUrl


class Invalid(Exception):
    def __init__(self, msg, type_, ctx=None):
        super().__init__(msg)
        self.error = {"msg": msg, "type": type_, **({"ctx": ctx} if ctx is not None else {})}


def _int(v):
    try:
        return int(v)
    except ValueError:
        raise Invalid("value is not a valid integer", "type_error.integer") from None


def _positive(v):
    n = _int(v)
    if n <= 0:
        raise Invalid("ensure this value is greater than 0", "value_error.number.not_gt", {"limit_value": 0})
    return n


def _datetime(v):
    try:
        seconds = float(v)
    except ValueError:
        seconds = None
    if seconds is not None:
        if abs(seconds) > 2e10:  # pydantic reads big numbers as milliseconds
            seconds /= 1000
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)
    m = DATETIME.match(v)
    if not m:
        raise Invalid("invalid datetime format", "value_error.datetime")
    y, mo, d, h, mi, s, us, tz = m.groups()
    zone = None
    if tz == "Z":
        zone = timezone.utc
    elif tz:
        sign = -1 if tz[0] == "-" else 1
        minutes = int(tz[1:3]) * 60 + (int(tz[-2:]) if len(tz) > 3 else 0)
        zone = timezone(timedelta(minutes=sign * minutes))
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), int((us or "0").ljust(6, "0")),
                        tzinfo=zone)
    except ValueError:
        raise Invalid("invalid datetime format", "value_error.datetime") from None


def _bool(v):
    low = v.lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise Invalid("value could not be parsed to a boolean", "type_error.bool")


def _uuid(v):
    try:
        return str(uuid.UUID(v))
    except ValueError:
        raise Invalid("value is not a valid uuid", "type_error.uuid") from None


def _url(v):
    v = v.strip()
    if URL.match(v) or v.startswith("file://"):
        return v
    path = PurePosixPath(v)
    if not path.is_absolute():
        raise Invalid("Path URLs must be absolute", "value_error")
    return str(path)


def _search(v):
    if not re.match(r".*\S.*", v):
        raise Invalid('string does not match regex ".*\\S.*"', "value_error.str.regex", {"pattern": r".*\S.*"})
    return v


def _enum(name):
    allowed = ENUMS[name]

    def check(v):
        if v not in allowed:
            raise Invalid("value is not a valid enumeration member; permitted: "
                          + ", ".join(f"'{a}'" for a in allowed), "type_error.enum", {"enum_values": list(allowed)})
        return v
    return check


CHECKS = {"search": _search, "url": _url, "ds_id": _uuid, "earliest_last_update": _datetime,
          "latest_last_update": _datetime, "processed": _bool, "cache_path": lambda v: str(PurePosixPath(v)),
          "page": _positive, "per_page": _positive, **{k: _enum(k) for k in ENUMS}}


def validate(query: dict) -> tuple[dict, list]:
    """``(values, errors)``: values of the known parameters (defaults filled in), pydantic's error list."""
    values, errors = dict(DEFAULTS), []
    for name in ORDER:
        if name not in query:
            continue
        try:
            values[name] = CHECKS.get(name, _int)(query[name])
        except Invalid as exc:
            errors.append({"loc": [name], **exc.error})
    return values, errors


def _link_value(v):
    if isinstance(v, datetime):
        return v.isoformat()
    return v  # True/False stay capitalised, like str() of a Python bool


def link(values: dict, page: int) -> str:
    """A page link as the registry writes it: every set parameter in the model's order, ``page`` last."""
    items = [(k, _link_value(values[k])) for k in ORDER if k != "page" and values.get(k) is not None]
    return "/api/v2/dataset-urls?" + urlencode(items + [("page", page)], safe="!$'()*,/:;?@")
