"""XNAT's search in the sandbox: ``POST /data/search`` with a search XML, and the xpath columns of listings.

A search document (``xdat:bundle``, as xnatpy's ``Query.to_xml`` and pyxnat's
``build_search_document`` write it) names a root element (``xnat:mrSessionData``), search fields
(``xdat:search_field``: an element and a field, either a display field such as ``SESSION_ID`` or
an xpath such as ``xnat:mrSessionData/ID``) and where clauses (``xdat:criteria`` in nested
``xdat:child_set``, joined by AND/OR). XNAT answers a ``ResultSet`` whose columns are the display
fields' ids lower-cased (``session_id``, ``project``), prefixed with the element
(``xnat_subjectdata_subject_label``) when the field belongs to another element than the root; a
scan search has one row per scan.

Field names resolve through each element's display fields (``SESSION_ID`` -> the session's ``ID``)
and through xsi inheritance (``xnat:imageSessionData/ID`` is the ID of any MR session); ``LIKE``
compares case-insensitively with ``%``/``_`` wildcards, dates are read as ISO or ``MM/DD/YYYY``.

Examples
--------
>>> parse_bundle(b'<xdat:bundle xmlns:xdat="http://nrg.wustl.edu/security">'
...              b'<xdat:root_element_name>xnat:mrSessionData</xdat:root_element_name></xdat:bundle>')["root"]
'xnat:mrSessionData'
>>> like("sub-0%", "SUB-001")
True
"""
from __future__ import annotations

import re
from datetime import datetime
from xml.etree import ElementTree

_XDAT = "{http://nrg.wustl.edu/security}"

# element families: which object of a row an element names (xsi inheritance included)
FAMILY = {
    "xnat:projectdata": "project",
    "xnat:subjectdata": "subject",
    "xnat:mrsessiondata": "session", "xnat:imagesessiondata": "session", "xnat:subjectassessordata": "session",
    "xnat:experimentdata": "session",
    "xnat:mrscandata": "scan", "xnat:imagescandata": "scan",
    "fs:fsdata": "assessor", "xnat:qcassessmentdata": "assessor", "xnat:imageassessordata": "assessor",
    "xnat:deriveddata": "assessor",
    # other modalities' sessions: the sandbox has none, a search for them finds nothing
    **{f"xnat:{m}sessiondata": "session" for m in ("pet", "ct", "eeg", "meg", "us", "xa", "cr")},
}
# xsiTypes each search element or listing filter stands for
MEMBERS = {
    "xnat:mrsessiondata": {"xnat:mrSessionData"},
    "xnat:imagesessiondata": {"xnat:mrSessionData"},
    "xnat:subjectassessordata": {"xnat:mrSessionData"},
    "xnat:experimentdata": {"xnat:mrSessionData", "fs:fsData", "xnat:qcAssessmentData"},
    "xnat:imageassessordata": {"fs:fsData", "xnat:qcAssessmentData"},
    "xnat:deriveddata": {"fs:fsData", "xnat:qcAssessmentData"},
    "fs:fsdata": {"fs:fsData"},
    "xnat:qcassessmentdata": {"xnat:qcAssessmentData"},
}
# display field id -> the object's field, per family (XNAT's display documents name them so)
DISPLAY = {
    "session": {"session_id": "id", "expt_id": "id", "subject_label": "subject_label"},
    "subject": {"subject_id": "id", "subject_label": "label"},
    "project": {},
    "scan": {},
    "assessor": {"expt_id": "id", "session_id": "imagesession_id"},
}
# the field's display id when an xpath names it (the column XNAT writes)
COLUMN_OF = {
    "session": {"id": "session_id"},
    "subject": {"id": "subject_id", "label": "subject_label"},
    "assessor": {},
    "project": {},
    "scan": {},
}
DEFAULT_FIELDS = {
    "session": ["SESSION_ID", "LABEL", "SUBJECT_ID", "SUBJECT_LABEL", "PROJECT", "DATE", "MODALITY"],
    "subject": ["SUBJECT_ID", "SUBJECT_LABEL", "PROJECT"],
    "project": ["ID", "NAME", "DESCRIPTION"],
    "scan": ["ID", "TYPE", "QUALITY", "SERIES_DESCRIPTION", "IMAGE_SESSION_ID", "PROJECT"],
    "assessor": ["EXPT_ID", "LABEL", "SESSION_ID", "PROJECT", "DATE", "XSITYPE"],
}
DATE_FIELDS = {"date", "insert_date"}


class SearchError(ValueError):
    """A search document XNAT would refuse (its message goes into the 400 page)."""


def family(element: str) -> str | None:
    return FAMILY.get(element.lower())


def parse_bundle(body: bytes) -> dict:
    """``{"root", "fields": [(element, field)], "where": tree}`` of a search XML document."""
    try:
        doc = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise SearchError(f"The search document is not well-formed XML: {exc}") from None
    root = (doc.findtext(f"{_XDAT}root_element_name") or "").strip()
    if family(root) is None:
        raise SearchError(f"Unknown root element {root or '(none)'}")
    fields = []
    for sf in doc.findall(f"{_XDAT}search_field"):
        element = (sf.findtext(f"{_XDAT}element_name") or root).strip()
        field = (sf.findtext(f"{_XDAT}field_ID") or "").strip()
        fields.append((int(sf.findtext(f"{_XDAT}sequence") or len(fields)), element, field))
    where = doc.find(f"{_XDAT}search_where")
    return {"root": root, "fields": [(e, f) for _, e, f in sorted(fields, key=lambda t: t[0])],
            "where": _criteria(where) if where is not None else None}


def _criteria(node):
    if node.tag == f"{_XDAT}criteria":
        return ("criteria", (node.findtext(f"{_XDAT}schema_field") or "").strip(),
                (node.findtext(f"{_XDAT}comparison_type") or "=").strip().upper(), node.findtext(f"{_XDAT}value") or "")
    items = [_criteria(c) for c in node if c.tag in (f"{_XDAT}criteria", f"{_XDAT}child_set")]
    return ("set", (node.get("method") or "AND").upper(), items)


def split_field(element: str, field: str) -> tuple:
    """``(family, field name lower-cased, element)`` of a search field; ``field`` may be an xpath."""
    if "/" in field:
        element, field = field.split("/", 1)
    fam = family(element)
    if fam is None:
        raise SearchError(f"Unknown element {element}")
    return fam, field.lower(), element


def resolve(row: dict, fam: str, name: str):
    """The value of field ``name`` (lower-case, display id or xpath name) of the row's ``fam`` object."""
    obj = row.get(fam)
    if obj is None:
        return None
    name = DISPLAY.get(fam, {}).get(name, name)
    return obj.get(name.replace("/", "_"))


def column_name(root_family: str, fam: str, name: str, element: str) -> str:
    """The column XNAT writes for a search field: the display id, lower-cased, element-prefixed if foreign."""
    column = COLUMN_OF.get(fam, {}).get(name, name)
    if fam != root_family:
        column = element.replace(":", "_").lower() + "_" + column
    return column


def like(pattern: str, value) -> bool:
    """SQL ``LIKE`` (``%`` any run, ``_`` one character), case-insensitive."""
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, str(value), re.IGNORECASE | re.DOTALL) is not None


def wildcard(pattern: str, value) -> bool:
    """A listing filter (``label=sub-00*``): ``*`` any run, case-insensitive; plain values compare equal."""
    rx = ".*".join(re.escape(p) for p in pattern.split("*"))
    return re.fullmatch(rx, str(value), re.IGNORECASE | re.DOTALL) is not None


def _date(text: str):
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def _compare(value, op: str, wanted: str, name: str) -> bool:
    if op == "LIKE":
        return value is not None and like(wanted, value)
    if op in ("IS NULL", "IS"):
        return value in (None, "")
    if op == "IS NOT NULL":
        return value not in (None, "")
    if value in (None, ""):
        return False
    left, right = str(value), wanted
    if name in DATE_FIELDS:
        left, right = _date(left), _date(right)
        if left is None or right is None:
            raise SearchError(f"Invalid date {wanted}")
    else:
        try:
            left, right = float(left), float(right)
        except ValueError:
            left, right = str(value).lower(), wanted.lower()
    ops = {"=": left == right, "!=": left != right, "<>": left != right, "<": left < right, ">": left > right,
           "<=": left <= right, ">=": left >= right}
    if op not in ops:
        raise SearchError(f"Unknown comparison {op}")
    return ops[op]


def matches(row: dict, where) -> bool:
    if where is None:
        return True
    if where[0] == "criteria":
        _, schema_field, op, value = where
        element, _, field = schema_field.partition("/")
        fam, name, _ = split_field(element, field)
        return _compare(resolve(row, fam, name), op, value, name)
    _, method, items = where
    if not items:
        return True
    results = (matches(row, i) for i in items)
    return any(results) if method == "OR" else all(results)


def _families(where) -> set:
    if where is None:
        return set()
    if where[0] == "criteria":
        element, _, field = where[1].partition("/")
        return {split_field(element, field)[0]}
    return set().union(*(_families(i) for i in where[2])) if where[2] else set()


def run(bundle: dict, rows_of) -> tuple:
    """``(columns, rows)`` answering a parsed search; ``rows_of(root family, element, expand_scans)`` gives the
    candidate rows (dicts of family -> object fields), already limited to what the caller may read."""
    root = bundle["root"]
    root_family = family(root)
    fields = bundle["fields"] or [(root, f) for f in DEFAULT_FIELDS[root_family]]
    resolved = [split_field(e, f) for e, f in fields]
    wanted = {fam for fam, _, _ in resolved} | _families(bundle["where"])
    candidates = rows_of(root_family, root, "scan" in wanted and root_family == "session")
    members = MEMBERS.get(root.lower(), {root} if root_family in ("session", "assessor") else None)
    if members is not None:  # a type finds itself and its subtypes
        members = {m.lower() for m in members}
        candidates = [r for r in candidates if str(r[root_family].get("xsitype", "")).lower() in members]
    columns, seen = [], set()
    for fam, name, element in resolved:
        col = column_name(root_family, fam, name, element)
        if col not in seen:
            seen.add(col)
            columns.append((col, fam, name))
    out = []
    for row in candidates:
        if matches(row, bundle["where"]):
            out.append({col: resolve(row, fam, name) for col, fam, name in columns})
    return [c for c, _, _ in columns], out
