"""The stand-in registry answers every recorded request of the real DataLad-Registry alike.

``fixtures/registry`` holds the records and 110 requests recorded from the real server
(datalad-registry a69c005 on PostgreSQL 15, see its README). Each request is replayed over
HTTP against ``RegistryServer`` serving exactly those records; status and body must be the
same, object key order included. Lark's "Expected one of" lines come in a different order
in every server process, so they are compared as a multiset.
"""
import json
from pathlib import Path

import pytest
import requests

from neurodata_widgets.sandbox.registry_server import RegistryServer

FIXTURES = Path(__file__).parent / "fixtures" / "registry"
CASES = [json.loads(line) for line in (FIXTURES / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def registry():
    server = RegistryServer(records=FIXTURES / "records.json").start()
    yield server
    server.stop()


def ordered(text: str):
    """JSON with object key order kept (objects become lists of pairs)."""
    return json.loads(text, object_pairs_hook=lambda pairs: ("object", pairs))


def expected_lines(description: str):
    head, sep, tail = description.partition("Expected one of:")
    return head, sorted(tail.splitlines())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recorded_case(registry, case):
    req = case["request"]
    resp = requests.request(req["method"], registry.url + req["path"], params=list(req.get("params", {}).items()),
                            json=req.get("json"), timeout=30)
    assert resp.status_code == case["status"]
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.content.isascii()
    got = resp.json()
    if case.get("nondeterministic"):
        assert expected_lines(got["description"]) == expected_lines(case["response"]["description"])
        assert {k: v for k, v in got.items() if k != "description"} == \
            {k: v for k, v in case["response"].items() if k != "description"}
    else:
        assert ordered(resp.text) == ordered(json.dumps(case["response"]))
    if case["status"] == 405:
        assert resp.headers["Allow"] == "HEAD, GET, OPTIONS"
