"""The demo behaves like a service: kernels of closed pages are culled, the address printed is the one
served, and error messages name the log file (the full `make demo` run is in test_readme_commands.py)."""
import logging

from neurodata_widgets import config, errors
from neurodata_widgets.portal.serve import CULL_IDLE_SECONDS, port_is_free, voila_command


def test_voila_culls_idle_kernels_and_never_moves_port():
    cmd = voila_command("notebooks/portal.ipynb", 8866, preheat=1)
    assert f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}" in cmd
    assert "--MappingKernelManager.cull_interval=60" in cmd and "--MappingKernelManager.cull_connected=False" in cmd
    # Voila silently taking 8867 printed a wrong address: the toolkit's Voila listens on the port given or fails
    assert "--port=8866" in cmd and "neurodata_widgets.portal.voila_app" in cmd


def test_a_taken_port_is_seen_as_taken():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert not port_is_free(sock.getsockname()[1])


def test_see_the_log_names_the_log_file(tmp_path, monkeypatch):
    log = tmp_path / "demo.log"
    monkeypatch.setenv("NDW_LOG_FILE", str(log))
    message, hint = errors.describe(KeyError("boom"))
    assert hint.endswith(f"the full traceback is in the log: {log}")
    config.setup_log_file()
    logger = logging.getLogger("neurodata_widgets")
    try:
        logging.getLogger("neurodata_widgets.test").error("something broke", exc_info=KeyError("boom"))
        assert "something broke" in log.read_text()
    finally:
        for handler in [h for h in logger.handlers if getattr(h, "_ndw_log_file", None) == str(log)]:
            logger.removeHandler(handler)
            handler.close()
    monkeypatch.delenv("NDW_LOG_FILE")
    assert errors.describe(KeyError("boom"))[1].endswith("the full traceback is in the log.")
