"""The sandbox's Globus collections: every kind real Globus has, their documents, search scopes and ``ls`` filters.

Kinds (``entity_type`` as Transfer names them):

* ``GCSv5_mapped_collection``: an institution's storage (HTTPS access at its ``https_server``);
* ``GCSv5_guest_collection``: a folder someone shared (the demo user's own scratch space, the lab's
  open data, results a colleague shared with the demo user);
* ``GCP_mapped_collection``: Globus Connect Personal on the demo user's laptop (``https_server: null``);
* ``GCSv4_host``: a legacy GridFTP endpoint (no ``https_server`` key at all, as recorded documents show);
* a high-assurance mapped collection guarded by an authentication policy: Transfer answers 403
  ``AuthPolicyFailed`` with ``session_required_policies`` until the login satisfied the policy.

The demo user owns only their scratch space and their laptop; ``endpoint_search``'s ``filter_scope``
(``my-endpoints``, ``shared-with-me``, ``recently-used``, ...) answers from owners, shares and use.
"""
from __future__ import annotations

import fnmatch
import re
from datetime import datetime, timezone

from .globus_auth import DEMO_USER

INSTITUTION = {"sub": "3f1b7d0e-5a8c-4e2f-9b6d-1c0a7e4f2d10", "username": "storage-admin@neurodata-sandbox.org"}
COLLEAGUE = {"sub": "8e2d4c6a-1f3b-4d5e-a7c9-0b2e4f6a8c21", "username": "pi@neurodata-sandbox.org"}
DEMO = {"sub": DEMO_USER["sub"], "username": DEMO_USER["preferred_username"]}
GCS_ENDPOINT = "6a1f2e3d-4c5b-4a69-8b7c-0d1e2f3a4b50"  # the institution's Globus Connect Server v5 endpoint
HA_POLICY = "c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e61"  # the high-assurance collection's authentication policy

# id, display name, description, kind, owner, seeded, consent (data_access), public HTTPS reads, shared with demo,
# high-assurance policy
COLLECTIONS = [
    dict(id="1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001", display_name="NDW Demo Institutional Storage",
         description="Raw imaging data of the demo lab (BIDS)", kind="GCSv5_mapped_collection", owner=INSTITUTION,
         seeded=True),
    dict(id="1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a002", display_name="NDW Demo Compute Scratch",
         description="Scratch space on the demo cluster", kind="GCSv5_guest_collection", owner=DEMO),
    dict(id="1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a003", display_name="NDW Demo Guarded Archive",
         description="An archive that needs data_access consent", kind="GCSv5_mapped_collection",
         owner=INSTITUTION, seeded=True, consent=True),
    dict(id="1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a004", display_name="NDW Demo Open Data",
         description="A public guest collection: anyone may read it over HTTPS", kind="GCSv5_guest_collection",
         owner=COLLEAGUE, seeded=True, public=True, shared=True),
    dict(id="1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a005", display_name="NDW Demo Laptop",
         description="Globus Connect Personal on the demo researcher's laptop", kind="GCP_mapped_collection",
         owner=DEMO, seeded=True),
    dict(id="1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a006", display_name="NDW Demo Legacy GridFTP",
         description="An older Globus Connect Server v4 endpoint", kind="GCSv4_host", owner=INSTITUTION,
         readme=True),
    dict(id="1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a007", display_name="NDW Demo Shared Results",
         description="Analysis results a colleague shared with you", kind="GCSv5_guest_collection",
         owner=COLLEAGUE, shared=True, readme=True),
    dict(id="1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a008", display_name="NDW Demo Clinical Archive",
         description="A high-assurance collection: it asks for a recent login that meets its policy",
         kind="GCSv5_mapped_collection", owner=INSTITUTION, seeded=True, policy=HA_POLICY),
]
for _row in COLLECTIONS:
    for _key, _default in (("seeded", False), ("consent", False), ("public", False), ("shared", False),
                           ("policy", None), ("readme", False)):
        _row.setdefault(_key, _default)

SCOPES = ("all", "my-endpoints", "my-gcp-endpoints", "recently-used", "in-use", "shared-by-me", "shared-with-me",
          "administered-by-me", "hosted-endpoints")
POLICY_TIMEOUT_MINS = 30


def has_https(c: dict) -> bool:
    """Only Globus Connect Server v5 collections have an HTTPS server."""
    return c["kind"].startswith("GCSv5")


def endpoint_doc(c: dict, https_server: str, host_display_name: str | None = None) -> dict:
    """A collection's ``GET /endpoint/<id>`` document, with the keys of the recorded real ones."""
    kind = c["kind"]
    gcp, v4, guest, v5 = kind.startswith("GCP"), kind.startswith("GCSv4"), "guest" in kind, kind.startswith("GCSv5")
    doc = {
        "DATA_TYPE": "endpoint", "id": c["id"], "display_name": c["display_name"], "name": c["id"][:8],
        "canonical_name": f"{c['owner']['username']}#{c['id'][:8]}", "description": c["description"],
        "organization": "Neurodata Widgets Sandbox", "department": None, "keywords": "neuroscience,sandbox",
        "contact_email": "support@neurodata-sandbox.org", "contact_info": None, "info_link": None,
        "user_message": None, "user_message_link": None, "location": None,
        "owner_string": c["owner"]["username"], "owner_id": c["owner"]["sub"], "username": c["owner"]["username"],
        "entity_type": kind, "public": not guest or c["public"], "french_english_bilingual": False,
        "is_globus_connect": gcp, "globus_connect_setup_key": None, "gcp_connected": True if gcp else None,
        "gcp_paused": False if gcp else None, "s3_url": None, "s3_owner_activated": False,
        "host_endpoint": None, "host_endpoint_id": GCS_ENDPOINT if guest else None,
        "host_endpoint_display_name": host_display_name if guest else None, "host_path": None,
        "mapped_collection_id": None, "mapped_collection_display_name": None,
        "disable_verify": False, "disable_anonymous_writes": False, "force_verify": False, "force_encryption": False,
        "mfa_required": False, "myproxy_server": None, "myproxy_dn": None, "oauth_server": None,
        "non_functional": False, "non_functional_endpoint_display_name": GCS_ENDPOINT[:8] if v5 else None,
        "non_functional_endpoint_id": GCS_ENDPOINT if v5 else None,
        "default_directory": "/~/", "activated": True, "expires_in": -1, "expire_time": None,
        "shareable": not guest, "acl_available": guest, "acl_editable": guest and c["owner"] is DEMO,
        "acl_max_expiration_period_mins": None, "in_use": False, "local_user_info_available": v5 and not guest,
        "network_use": "normal", "max_concurrency": None, "preferred_concurrency": None, "max_parallelism": None,
        "preferred_parallelism": None, "requester_pays": False, "storage_type": None,
        "subscription_id": None if gcp else "e3a0c5f1-7b2d-4e8f-9a6c-5d4b3a2c1f07",
        "subscription_admin_verified": False, "gcs_version": "5.4.67" if v5 else None,
        "gcs_manager_url": "https://gcs.neurodata-sandbox.invalid" if v5 else None,
        "tlsftp_server": f"tlsftp://{c['id'][:8]}.neurodata-sandbox.invalid:443" if v5 else None,
        "high_assurance": c["policy"] is not None, "authentication_assurance_timeout": (
            POLICY_TIMEOUT_MINS if c["policy"] else None),
        "authentication_timeout_mins": POLICY_TIMEOUT_MINS if c["policy"] else None,
        "authentication_policy_id": c["policy"], "last_accessed_time": None, "https_server": https_server,
        "associated_flow_policy": None, "auto_delete_timeout": None, "skip_auto_delete": None,
        "guest_collection_activity_notification_policy": None, "preserve_modtime": None, "is_go_storage": False,
        "restrict_transfers_to_high_assurance": "all" if c["policy"] else None,
        "sharing_target_endpoint": None, "sharing_target_root_path": None,
        "my_effective_roles": (["administrator", "access_manager", "activity_manager", "activity_monitor"]
                               if c["owner"] is DEMO else []),
        "DATA": ([{"DATA_TYPE": "server", "hostname": "gridftp.neurodata-sandbox.invalid", "id": 985,
                   "uri": "gsiftp://gridftp.neurodata-sandbox.invalid:2811", "port": 2811, "scheme": "gsiftp",
                   "subject": "/O=Grid/OU=Sandbox/CN=host/gridftp.neurodata-sandbox.invalid", "is_connected": True,
                   "is_paused": False, "incoming_data_port_start": None, "incoming_data_port_end": None,
                   "outgoing_data_port_start": None, "outgoing_data_port_end": None}] if v4 else []),
    }
    if not has_https(c):  # Globus Connect Personal and GCSv4 (older GCSv4 documents lack the key altogether)
        doc["https_server"] = None
    return doc


def in_scope(c: dict, scope: str, user: str, recent: list, in_use: set, host: str | None = None) -> bool:
    """Whether collection ``c`` belongs to ``endpoint_search``'s ``filter_scope`` for ``user``."""
    mine = c["owner"]["sub"] == user
    if scope == "all":  # what a full-text search may find: public ones and those shared with you or yours
        return c["public"] or "guest" not in c["kind"] or mine or c["shared"]
    if scope in ("my-endpoints", "administered-by-me"):
        return mine
    if scope == "my-gcp-endpoints":
        return mine and c["kind"].startswith("GCP")
    if scope == "recently-used":
        return c["id"] in recent
    if scope == "in-use":
        return c["id"] in in_use
    if scope == "shared-by-me":
        return mine and "guest" in c["kind"]
    if scope == "shared-with-me":
        return c["shared"] and not mine
    if scope == "hosted-endpoints":
        return "guest" in c["kind"] and host == GCS_ENDPOINT
    return False


# -- ls filters ------------------------------------------------------------------------------------
_FILTER_FIELDS = ("name", "type", "size", "last_modified", "permissions", "user", "group")


def parse_filters(values: list) -> list:
    """``ls``'s ``filter`` parameters as alternatives of clauses: each parameter is one alternative (they are
    OR'ed), its clauses are separated by ``/`` (AND'ed). Raises :class:`ValueError` on a clause it cannot read."""
    alternatives = []
    for value in values:
        clauses = []
        for clause in filter(None, value.split("/")):
            field, sep, cond = clause.partition(":")
            if not sep or field not in _FILTER_FIELDS:
                raise ValueError(f"Invalid filter clause '{clause}'")
            clauses.append((field, cond))
        if clauses:
            alternatives.append(clauses)
    return alternatives


def passes(doc: dict, alternatives: list) -> bool:
    """Whether a file document passes any alternative (all of its clauses)."""
    return not alternatives or any(all(_clause(doc, f, c) for f, c in alt) for alt in alternatives)


def _clause(doc: dict, field: str, cond: str) -> bool:
    if field in ("size", "last_modified"):
        return _compare(doc, field, cond)
    op = next((o for o in ("!=", "!~", "=", "~", "!") if cond.startswith(o)), "=")
    if cond.startswith(op):
        cond = cond[len(op):]
    value = str(doc.get(field) or "")
    hit = any(fnmatch.fnmatchcase(value, p) if "~" in op else value == p for p in cond.split(","))
    return not hit if op.startswith("!") else hit


def _compare(doc: dict, field: str, cond: str) -> bool:
    """``size:>1000``, ``size:<=10``, ``last_modified:>=2024-01-01 10:00:00``; a comma gives a range."""
    checks = []
    for part in cond.split(","):
        m = re.match(r"^(>=|<=|!=|>|<|=)?(.+)$", part.strip())
        if not m:
            raise ValueError(f"Invalid filter value '{cond}'")
        op, raw = m.group(1) or "=", m.group(2)
        checks.append((op, _value(field, raw)))
    have = _value(field, str(doc.get(field)))
    for op, want in checks:
        d = (have > want) - (have < want)
        if not {">": d > 0, "<": d < 0, ">=": d >= 0, "<=": d <= 0, "=": d == 0, "!=": d != 0}[op]:
            return False
    return True


def _value(field: str, raw: str):
    if field == "size":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"Invalid size '{raw}'") from None
    text = raw.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    raise ValueError(f"Invalid date '{raw}'")
