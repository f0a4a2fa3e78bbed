"""Sessions found by XNAT's own search (``POST /data/search``), across projects, in one request.

A listing walk (every project's experiments, one request each) costs a round trip per project and
cannot filter by modality or date; XNAT's search engine does it in one request. The search is the
document xnatpy and pyxnat send (``xdat:bundle``: a root element, search fields, where clauses), and
the answer is XNAT's ``ResultSet`` whose columns are the display fields' ids, lower-cased.

Real servers differ in which extra columns they add and whether the foreign subject label is
named ``xnat_subjectdata_subject_label`` or ``subject_label``: :func:`sessions_frame` reads any of
these shapes into the same columns.

Examples
--------
>>> doc = search_document(project="DEMO_PUBLIC", modality="MR", date_from="2024-01-01")
>>> b"<xdat:root_element_name>xnat:mrSessionData</xdat:root_element_name>" in doc
True
>>> sessions_frame([{"session_id": "E1", "label": "s1_MR1", "project": "P", "subject_id": "S1",
...                  "xnat_subjectdata_subject_label": "s1", "date": "2024-01-02"}]).iloc[0]["subject_label"]
's1'
"""
from __future__ import annotations

import datetime
from xml.etree import ElementTree

from .. import errors

XDAT = "http://nrg.wustl.edu/security"
# the session type of each modality XNAT ships (DICOM modality codes); others are searched by the field
SESSION_TYPES = {"MR": "xnat:mrSessionData", "PET": "xnat:petSessionData", "PT": "xnat:petSessionData",
                 "CT": "xnat:ctSessionData", "EEG": "xnat:eegSessionData", "MEG": "xnat:megSessionData",
                 "US": "xnat:usSessionData", "XA": "xnat:xaSessionData", "CR": "xnat:crSessionData"}
COLUMNS = ["id", "label", "project", "subject_id", "subject_label", "date", "modality", "xsi_type"]
# the columns a server may answer with, for each of ours (first found wins)
_SOURCES = {
    "id": ["session_id", "expt_id", "id"],
    "label": ["label", "session_label"],
    "project": ["project"],
    "subject_id": ["subject_id"],
    "subject_label": ["xnat_subjectdata_subject_label", "subject_label"],
    "date": ["date"],
    "modality": ["modality"],
    "xsi_type": ["xsitype", "element_name"],
}


def _day(value, name: str) -> str | None:
    """``value`` (a date, or text ``YYYY-MM-DD``) as ISO text; a clear message when it is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%Y-%m-%d")
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise errors.UserError(f"The {name} date {value!r} is not a date.",
                               "Write it as YYYY-MM-DD, for example 2024-03-01.") from None


def search_document(project=None, subject=None, modality=None, date_from=None, date_to=None) -> bytes:
    """The XNAT search XML for sessions matching every given criterion (``*`` is a wildcard in text)."""
    modality = (modality or "").strip().upper() or None
    root = SESSION_TYPES.get(modality, "xnat:imageSessionData") if modality else "xnat:imageSessionData"
    start, end = _day(date_from, "from"), _day(date_to, "to")
    if start and end and start > end:
        raise errors.UserError(f"The search's dates are the wrong way round ({start} is after {end}).",
                               "Swap them, or leave one empty.")

    def el(parent, tag, text=None, **attrs):
        node = ElementTree.SubElement(parent, f"{{{XDAT}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    ElementTree.register_namespace("xdat", XDAT)
    bundle = ElementTree.Element(f"{{{XDAT}}}bundle", {"ID": f"@{root}", "allow-diff-columns": "0"})
    el(bundle, "root_element_name", root)
    fields = [(root, "SESSION_ID"), (root, "LABEL"), (root, "PROJECT"), (root, "SUBJECT_ID"),
              ("xnat:subjectData", "SUBJECT_LABEL"), (root, "DATE"), (root, "MODALITY")]
    for i, (element, field) in enumerate(fields):
        sf = el(bundle, "search_field")
        el(sf, "element_name", element)
        el(sf, "field_ID", field)
        el(sf, "sequence", str(i))
        el(sf, "type", "string")
        el(sf, "header", field.lower())
    where = el(bundle, "search_where", method="AND")

    def criterion(parent, field, op, value):
        c = el(parent, "criteria", override_value_formatting="0")
        el(c, "schema_field", field)
        el(c, "comparison_type", op)
        el(c, "value", value)

    def text(parent, field, value):
        value = str(value).strip()
        if "*" in value or "%" in value:
            criterion(parent, field, "LIKE", value.replace("*", "%"))
        else:
            criterion(parent, field, "=", value)

    if project:
        text(where, f"{root}/PROJECT", project)
    if subject:  # a subject's label or its ID
        either = el(where, "child_set", method="OR")
        text(either, "xnat:subjectData/SUBJECT_LABEL", subject)
        text(either, f"{root}/SUBJECT_ID", subject)
    if modality and modality not in SESSION_TYPES:
        text(where, f"{root}/MODALITY", modality)
    if start:
        criterion(where, f"{root}/DATE", ">=", start)
    if end:
        criterion(where, f"{root}/DATE", "<=", end)
    if not len(where):  # XNAT needs a where clause: every session has an ID
        criterion(where, f"{root}/SESSION_ID", "LIKE", "%")
    return ElementTree.tostring(bundle)


def sessions_frame(rows: list):
    """Search result rows (dicts, any of the shapes real servers send) as a DataFrame of :data:`COLUMNS`."""
    import pandas as pd

    out = []
    for row in rows:
        low = {str(k).lower(): ("" if v is None else str(v)) for k, v in row.items()}
        out.append({col: next((low[s] for s in sources if low.get(s)), "") for col, sources in _SOURCES.items()})
    frame = pd.DataFrame(out, columns=COLUMNS)
    return frame.sort_values(["project", "subject_label", "date", "label"], kind="stable").reset_index(drop=True)
