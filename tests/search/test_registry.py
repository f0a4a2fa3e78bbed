"""The registry client against the sandbox registry over HTTP, and imports from it."""
import json

import pytest
import requests

from neurodata_widgets.search.catalog import Catalog
from neurodata_widgets.search.ingest import import_source
from neurodata_widgets.search.query import QueryError
from neurodata_widgets.search.registry import RegistryClient, RegistryError, match_count, registry_url, summary


@pytest.fixture
def client(sandbox):
    return RegistryClient(sandbox.info()["registry"]["url"])


def test_sandbox_advertises_the_registry(sandbox):
    info = sandbox.info()["registry"]
    assert info["url"].startswith("http://127.0.0.1:")
    assert sandbox.environ()["NDW_REGISTRY_URL"] == info["url"]
    assert registry_url() == info["url"]  # the session exported it


def test_paging_over_http(client, sandbox):
    service = sandbox["registry"]
    service.reset_stats()
    first = client.search(None, per_page=7, order_by="url", order_dir="asc")
    assert first["cur_pg_num"] == 1 and "prev_pg" not in first  # the registry leaves out empty fields
    total = match_count(first)
    assert total == len(service) > 60 and "total" not in first  # the real API has no "total"
    pages = list(client.pages(None, per_page=25, order_by="url", order_dir="asc"))
    assert len(pages) == -(-total // 25)
    seen = [r["url"] for p in pages for r in p["dataset_urls"]]
    assert seen == sorted(seen) and len(set(seen)) == total
    assert service.stats["GET /api/v2/dataset-urls"] == 1 + len(pages)
    method, path, query = service.requests[-1]
    assert query["per_page"] == "25" and query["page"] == str(len(pages))


def test_search_is_sent_as_the_registry_search_parameter(client, sandbox):
    page = client.search("ndw-demo-raw OR url:replication", per_page=10)
    urls = {r["url"] for r in page["dataset_urls"]}
    assert urls == {"https://github.com/ndw-lab/ndw-demo-raw.git", "https://github.com/ndw-lab/replication-study.git"}
    assert sandbox["registry"].requests[-1][2]["search"] == "ndw-demo-raw OR url:replication"


def test_stats_over_http(client, demo):
    raw_id = client.search(f'url:"{demo["subdatasets"][0]}"')["dataset_urls"][0]["ds_id"]
    stats = client.collection_stats(f"ds_id:{raw_id}")
    assert stats["summary"] == {"unique_ds_count": 1, "ds_count": 2}  # the demo's raw and its GitHub clone
    figures = summary(stats)
    assert figures["unique_datasets"] == 1 and figures["dataset_urls"] == 2
    assert figures["annexed_files"] == 6 and figures["annexed_size"] > 0


def test_a_bad_query_is_a_400_from_the_server(client, sandbox):
    url = sandbox.info()["registry"]["url"] + "/api/v2/dataset-urls"
    resp = requests.get(url, params={"search": "colour:red"}, timeout=10)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == 400 and "Unknown field: 'colour'" in body["description"]
    assert requests.get(url, params={"search": "   "}, timeout=10).status_code == 422
    assert requests.get(url, params={"per_page": "0"}, timeout=10).status_code == 422
    with pytest.raises(QueryError):  # the client checks the syntax before asking
        client.search("url:")


def test_server_errors_reach_the_client_as_registry_errors(client, faults):
    faults["registry"].faults.set(status=404, pattern="dataset-urls/")
    with pytest.raises(RegistryError) as info:
        client.dataset_url(1)
    assert info.value.status == 404


def test_one_record_and_its_metadata(client):
    rec = client.search("replication", return_metadata="reference")["dataset_urls"][0]
    again = client.dataset_url(rec["id"])
    assert again["url"] == rec["url"]
    link = rec["metadata"][0]["link"]
    md = client.url_metadata(int(link.rsplit("/", 1)[1]))
    assert md["extractor_name"] == "metalad_core" and md["extracted_metadata"]["subdatasets"]


def test_import_from_the_registry_and_from_a_json_file(client, tmp_path):
    cat = Catalog(tmp_path / "imported.sqlite")
    result = import_source(cat, client.base_url, query="url:ndw-lab")
    assert result["imported"] == match_count(client.search("url:ndw-lab")) == len(cat)
    assert match_count(cat.search('metadata[metalad_core]:"replication-study"')) == 1
    page = client.search("url:gin", per_page=100, return_metadata="content")
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    cat2 = Catalog(tmp_path / "from-file.sqlite")
    assert import_source(cat2, str(path))["imported"] == match_count(page)
    assert {r["url"] for r in cat2.search("url:gin", per_page=100)["dataset_urls"]} == \
        {r["url"] for r in page["dataset_urls"]}


@pytest.mark.parametrize("query, what", [("url:=x", "':='"), ('url:~"^https"', "':~'"), ("head_describe:>v1", "':>'"),
                                         ("annex_key_count:10", "'annex_key_count'")])
def test_extensions_are_refused_before_sending(client, sandbox, query, what):
    service = sandbox["registry"]
    service.reset_stats()
    with pytest.raises(QueryError) as info:
        client.search(query)
    assert what in info.value.message and client.base_url in info.value.message
    assert "registry" in info.value.message and "GET /api/v2/dataset-urls" not in service.stats


def test_registry_errors_are_readable_messages(client):
    with pytest.raises(RegistryError) as info:
        client.search("haxby", per_page=0)
    assert info.value.status == 422 and "per_page: ensure this value is greater than 0" in info.value.message
    with pytest.raises(RegistryError) as info:
        client.search(None, page=10_000)
    assert info.value.status == 404 and "no such page" in info.value.message
    with pytest.raises(RegistryError) as info:
        client.dataset_url(10_000_000)
    assert info.value.status == 404


def test_imported_records_keep_the_registrys_ids(client, tmp_path):
    cat = Catalog(tmp_path / "ids.sqlite")
    result = import_source(cat, client.base_url, query="url:ndw-lab")
    assert result["renumbered"] == 0
    for rec in cat.search("url:ndw-lab", per_page=100)["dataset_urls"]:
        # a catalog id is the registry's: its /dataset-urls/{id} is the same dataset
        assert client.dataset_url(rec["id"])["url"] == rec["url"]
    # records that carry their metadata's ids (a database dump, as the recorded fixture) keep those too; the API's
    # metadata content has none, so imports over HTTP number metadata afresh
    from pathlib import Path

    dump = Path(__file__).parent / "fixtures" / "registry" / "records.json"
    fixture = Catalog(tmp_path / "dump.sqlite")
    import_source(fixture, str(dump))
    for rec in json.loads(dump.read_text(encoding="utf-8")):
        assert fixture.dataset_url(rec["id"])["url"] == rec["url"]
        for md in rec.get("metadata") or []:
            assert fixture.url_metadata(md["id"])["extractor_name"] == md["extractor_name"]
    # a catalog that already holds another dataset under an id gives the newcomer a new one, and says so
    other = Catalog(tmp_path / "taken.sqlite")
    first = client.search("url:ndw-lab", per_page=1)["dataset_urls"][0]
    other.add([{"url": "https://example.org/mine", "id": first["id"]}], keep_ids=True)
    again = import_source(other, client.base_url, query="url:ndw-lab")
    assert again["renumbered"] == 1
    assert other.dataset_url(first["id"])["url"] == "https://example.org/mine"
