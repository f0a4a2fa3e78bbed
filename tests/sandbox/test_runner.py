"""The sandbox runner: services on free loopback ports, fault injection, restart, control endpoints."""
import json
from pathlib import Path

import pytest
import requests

from neurodata_widgets.sandbox.runner import Service, file_response, json_response


class EchoService(Service):
    name = "echo"
    routes = [
        ("GET", r"^/echo/(?P<word>\w+)$", "echo"),
        ("GET", r"^/file$", "file"),
        ("POST", r"^/form$", "form"),
    ]

    def __init__(self, path: Path, **kw):
        super().__init__(**kw)
        self.path = path

    def echo(self, req):
        return json_response({"word": req.match["word"], "query": req.query})

    def file(self, req):
        return file_response(self.path, range_header=req.headers.get("Range"))

    def form(self, req):
        return json_response(req.params)


@pytest.fixture
def echo(tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 400)  # 102400 bytes
    svc = EchoService(blob).start()
    yield svc
    svc.stop()


def test_routes_answer_on_loopback(echo):
    assert echo.url.startswith("http://127.0.0.1:")
    r = requests.get(echo.url + "/echo/hello?x=1", timeout=5)
    assert r.json() == {"word": "hello", "query": {"x": "1"}}
    assert echo.stats["GET /echo/hello"] == 1


def test_unknown_path_is_404_and_wrong_method_405(echo):
    assert requests.get(echo.url + "/nothing", timeout=5).status_code == 404
    r = requests.post(echo.url + "/echo/x", timeout=5)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_form_body_is_parsed(echo):
    assert requests.post(echo.url + "/form?a=1", data={"b": "2"}, timeout=5).json() == {"a": "1", "b": "2"}


def test_error_status_for_a_pattern(echo):
    echo.faults.set(status=503, pattern=r"^/echo/bad")
    assert requests.get(echo.url + "/echo/bad", timeout=5).status_code == 503
    assert requests.get(echo.url + "/echo/good", timeout=5).status_code == 200


def test_error_status_for_a_fraction_is_reproducible(echo):
    echo.faults.set(status=500, fraction=0.5)
    codes = [requests.get(echo.url + "/echo/x", timeout=5).status_code for _ in range(40)]
    assert 5 < codes.count(500) < 35


def test_cut_connection_mid_body(echo):
    echo.faults.set(cut_after=1000, pattern="/file")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(echo.url + "/file", timeout=5).content


def test_range_request_resumes(echo):
    r = requests.get(echo.url + "/file", headers={"Range": "bytes=102000-"}, timeout=5)
    assert r.status_code == 206
    assert r.content == (bytes(range(256)) * 400)[102000:]
    assert r.headers["Content-Range"] == "bytes 102000-102399/102400"


def test_hang_causes_client_timeout(echo):
    echo.faults.set(hang=1.0, pattern="/echo/slow")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(echo.url + "/echo/slow", timeout=0.3)


def test_faults_over_http_control_endpoint(echo):
    r = requests.post(echo.url + "/_sandbox/faults", json={"status": 418}, timeout=5)
    assert r.json()["status"] == 418
    assert requests.get(echo.url + "/echo/x", timeout=5).status_code == 418
    assert requests.post(echo.url + "/_sandbox/faults", json={"bogus": 1}, timeout=5).status_code == 400
    requests.delete(echo.url + "/_sandbox/faults", timeout=5)
    assert requests.get(echo.url + "/echo/x", timeout=5).status_code == 200
    stats = requests.get(echo.url + "/_sandbox/stats", timeout=5).json()
    assert stats["GET /echo/x"] == 2


def test_expire_hook_is_called(echo):
    calls = []
    echo.expire = lambda: calls.append(1)
    assert requests.post(echo.url + "/_sandbox/expire", timeout=5).json() == {"expired": True}
    assert calls == [1]


def test_stop_and_restart_on_same_port(echo):
    url = echo.url
    echo.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/echo/x", timeout=2)
    echo.start()
    assert echo.url == url
    assert requests.get(url + "/echo/x", timeout=5).ok


def test_handler_crash_becomes_500_with_message(echo):
    echo.echo = lambda req: 1 / 0
    r = requests.get(echo.url + "/echo/x", timeout=5)
    assert r.status_code == 500 and "ZeroDivisionError" in r.json()["message"]


def test_unknown_fault_setting_is_rejected(echo):
    with pytest.raises(ValueError, match="latency"):
        echo.faults.set(latencyy=1)


def test_publish_writes_private_file(tmp_path, demo):
    from neurodata_widgets.sandbox.runner import Sandbox

    sb = Sandbox(services=[], demo=True)
    sb.start()
    path = sb.publish(tmp_path / "sb.json")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    data = json.loads(path.read_text())
    assert data["services"]["demo"]["superdataset"] == demo["superdataset"]


def test_unknown_service_name_is_refused():
    from neurodata_widgets.sandbox.runner import Sandbox

    with pytest.raises(ValueError, match="available"):
        Sandbox(services=["nope"])
