"""The stand-in registry beyond the recorded sample: behaviours the registry's code implies,
and our client reading the stand-in's answers over HTTP."""
import json
from pathlib import Path

import pytest
import requests

from neurodata_widgets.sandbox.registry_server import RegistryServer
from neurodata_widgets.search.query import QueryError
from neurodata_widgets.search.registry import RegistryClient, RegistryError, match_count, summary

RECORDS = Path(__file__).parent / "fixtures" / "registry" / "records.json"


@pytest.fixture(scope="module")
def registry():
    server = RegistryServer(records=RECORDS).start()
    yield server
    server.stop()


def get(registry, **params):
    return requests.get(registry.url + "/api/v2/dataset-urls", params=params, timeout=30)


def test_every_invalid_parameter_is_listed_in_the_models_order(registry):
    resp = get(registry, per_page="x", page="0", order_by="size", processed="maybe")
    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()] == [["processed"], ["page"], ["per_page"], ["order_by"]]


def test_links_are_rebuilt_from_normalised_values(registry):
    page = get(registry, processed="1", earliest_last_update="2020-01-01T00:00:00Z", per_page="150",
               colour="blue").json()
    assert page["first_pg"] == ("/api/v2/dataset-urls?earliest_last_update=2020-01-01T00:00:00%2B00:00"
                                "&processed=True&per_page=150&order_by=last_update_dt&order_dir=desc&page=1")
    assert len(page["dataset_urls"]) == match_count(page) == 15  # every processed row; 150 is cut to 100


def test_unprocessed_rows_and_filters(registry):
    page = get(registry, processed="false").json()
    assert page["dataset_urls"] == [{"url": "https://gin.g-node.org/newcomer/pending-upload", "id": 10,
                                     "processed": False}]
    stats = page["collection_stats"]
    assert stats["summary"] == {"unique_ds_count": 0, "ds_count": 1} and stats["non_annex_ds_stats"]["ds_count"] == 0
    assert match_count(get(registry, search="NOT github", processed="false").json()) == 1


def test_bodies_are_ascii_and_methods_answered_like_flask(registry):
    resp = get(registry, search="ψυχη", return_metadata="content")
    assert resp.status_code == 200 and resp.content.isascii() and b"\\u03" in resp.content  # Greek sent as \\u escapes
    put = requests.put(registry.url + "/api/v2/dataset-urls", timeout=10)
    assert put.status_code == 405 and put.json()["code"] == 405
    assert requests.get(registry.url + "/api/v2/dataset-urls/", timeout=10).status_code == 404


def test_our_client_reads_the_standin(registry):
    client = RegistryClient(registry.url)
    pages = list(client.pages("url:github", per_page=2))
    urls = [r["url"] for p in pages for r in p["dataset_urls"]]
    assert len(urls) == match_count(pages[0]) == len(set(urls)) == 8
    stats = client.collection_stats('url:"datalad.org/openfmri"')
    assert summary(stats)["dataset_urls"] == 1 and stats["datalad_ds_stats"]["unique_ds_stats"]["annexed_file_count"] \
        > stats["datalad_ds_stats"]["stats"]["annexed_file_count"]  # a clone outside the results supplies it
    ref = client.search("ds_id:835db767", return_metadata="reference")["dataset_urls"][0]["metadata"][0]
    md = client.url_metadata(int(ref["link"].rsplit("/", 1)[1]))
    assert list(md) == sorted(md) and md["extractor_name"] == ref["extractor_name"]
    content = client.search("url:pilot-run", return_metadata="content")["dataset_urls"][0]["metadata"][0]
    assert list(content["extracted_metadata"]["x_custom"]) == ["a", "bb", "zz", "mmm", "longest_key_of_all"]
    with pytest.raises(QueryError, match="position 19"):  # found wrong before asking, as the registry would
        client.search("url:gin.g-node.org/AlphaLab")
    with pytest.raises(RegistryError, match="no such page"):
        client.search("url:github", page=99)
    with pytest.raises(QueryError, match="does not support"):
        client.search("head_describe:>v1")
