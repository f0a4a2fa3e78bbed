"""The transfer history's search, through globus-sdk over HTTP to the sandbox: words find tasks by label, by a
collection's name and by a path they moved; a status narrows them; Globus filters what its task list can
(the requests say so), and a cancelled task is "cancelled", never a red FAILED."""
from __future__ import annotations

import stat

from neurodata_widgets.config import config_dir
from neurodata_widgets.globus import transfer as transfer_ops
from neurodata_widgets.globus.history import TaskHistory
from neurodata_widgets.globus.widgets import TransferPanel


def _filters(globus):
    return [q.get("filter", "") for _, path, q in globus.requests if path.endswith("/task_list")]


def _labels(panel):
    return list(panel.history.data["label"])


def test_history_search_and_status_filter_on_globus(client, globus):
    import uuid

    info = globus.info()
    src, dst = info["source_collection"], info["destination_collection"]
    word = f"alpha{uuid.uuid4().hex[:8]}"  # the session's one Globus user has other tests' tasks too
    alpha = transfer_ops.submit(client, src, dst, [("/ds001/README", "/hist-alpha/README", False)],
                                label=f"{word.capitalize()} nightly")
    gone = transfer_ops.submit(client, src, dst, [("/ds001/", "/hist-cancel/", True)], label="beta stopped")
    transfer_ops.cancel(client, gone)
    gamma = transfer_ops.submit(client, src, dst, [("/ds001/participants.tsv", f"/hist-gamma-{word[::-1]}/p.tsv", False)],
                                label="gamma")
    for tid in (alpha, gamma):
        transfer_ops.watch(client, tid).start().result(timeout=60)
    paths = config_dir() / transfer_ops.PATHS_FILE  # the paths of a user's tasks are theirs alone
    assert stat.S_IMODE(paths.stat().st_mode) == 0o600

    panel = TransferPanel(client)
    panel.wait_background()
    assert {alpha, gone, gamma} <= set(panel.history.data.index)

    globus.reset_stats()
    panel.history_search.value = word  # the label, any case: Globus' own label filter, one request
    panel.wait_background()
    assert list(panel.history.data.index) == [alpha] and panel.history.total == 1
    assert any(f"label:~*{word}*" in f for f in _filters(globus))

    panel.history_search.value = ""
    panel.wait_background()
    globus.reset_stats()
    panel.history_status.value = "cancelled"  # Globus' status:FAILED, then cancelled ones told apart
    panel.wait_background()
    assert gone in panel.history.data.index and alpha not in panel.history.data.index
    assert _filters(globus) and all("status:FAILED" in f for f in _filters(globus))
    html = panel.history.html.value
    assert 'ndw-badge-neutral">cancelled<' in html and "ndw-badge-error" not in html and "FAILED" not in html
    panel.history_status.value = "failed"
    panel.wait_background()
    assert gone not in panel.history.data.index

    globus.reset_stats()
    panel.history_status.value = "succeeded"
    panel.history_search.value = f"hist-gamma-{word[::-1]}"  # a path it moved: the task ids Globus is asked for
    panel.wait_background()
    assert list(panel.history.data.index) == [gamma]
    assert any(f"task_id:{gamma}" in f and "status:SUCCEEDED" in f for f in _filters(globus))

    name = client.collection(dst)["display_name"]  # a collection's name: Globus' endpoint filter
    globus.reset_stats()
    panel.history_status.value = ""
    panel.history_search.value = name.lower()
    panel.wait_background()
    assert {alpha, gone, gamma} <= set(panel.history.data.index)
    assert any(f"endpoint:{dst}" in f for f in _filters(globus))

    panel.history_search.value = "no task is called this"
    panel.wait_background()
    assert panel.history.total == 0 and panel.history.empty_text == "No task matches this search."


def test_a_search_pages_through_thousands_on_globus(client, globus):
    """Many matching tasks: each page is one request with Globus' filter and offset, never a scan."""
    info = globus.info()
    for _ in range(12):
        transfer_ops.submit(client, info["source_collection"], info["destination_collection"],
                            [("/ds001/README", "/hist-many/README", False)], label="many copies")
    search = TaskHistory(client, status="succeeded")
    assert search.on_globus
    globus.reset_stats()
    rows, total = TaskHistory(client, text="many copies").page(1, 10)
    asked = [q for _, path, q in globus.requests if path.endswith("/task_list")]
    assert total >= 12 and len(rows) >= 2 and all(r["label"] == "many copies" for r in rows)
    assert [q.get("offset") for q in asked if "label:" in q.get("filter", "")] == ["10"]


def test_the_stand_in_task_list_filters_by_one_endpoint_as_transfer_does(client, globus):
    """``endpoint:<id>`` keeps the tasks whose source or destination is that collection; two ids are refused."""
    import globus_sdk
    import pytest

    info = globus.info()
    tid = transfer_ops.submit(client, info["source_collection"], info["destination_collection"],
                              [("/ds001/README", "/hist-endpoint/README", False)], label="by endpoint")
    for cid in (info["source_collection"], info["destination_collection"]):
        found = [t["task_id"] for t in client.transfer.task_list(filter=f"endpoint:{cid}", limit=1000)]
        assert tid in found
    public = [t["task_id"] for t in client.transfer.task_list(filter=f"endpoint:{info['public_collection']}")]
    assert tid not in public
    with pytest.raises(globus_sdk.TransferAPIError) as refused:
        client.transfer.task_list(filter=f"endpoint:{info['source_collection']},{info['public_collection']}")
    assert refused.value.http_status == 400
