"""The test session leaves the user's real git config and keyring untouched (tests/conftest.py checks it)."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _guard():
    spec = importlib.util.spec_from_file_location("ndw_user_state", TESTS / "user_state.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guard_notices_git_config_and_keyring_changes(tmp_path):
    guard = _guard()
    home = tmp_path / "home"
    (home / ".local/share/python_keyring").mkdir(parents=True)
    (home / ".gitconfig").write_text("[user]\n\tname = Real User\n")
    before = guard.snapshot(home)
    subprocess.run(["git", "config", "--file", str(home / ".gitconfig"), "credential.helper", "store"], check=True)
    (home / ".local/share/python_keyring/keyring_pass.cfg").write_text("[xnat]\nuser = secret\n")
    assert guard.changes(before, guard.snapshot(home)) == [
        str(home / ".gitconfig"), str(home / ".local/share/python_keyring/keyring_pass.cfg")]


def test_a_session_that_touches_the_real_git_config_fails(tmp_path):
    """A nested pytest session with our conftest, whose test writes the real ~/.gitconfig, exits non-zero."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Real User\n")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text((TESTS / "conftest.py").read_text())
    (suite / "user_state.py").write_text((TESTS / "user_state.py").read_text())
    (suite / "test_careless.py").write_text(
        "import subprocess\n"
        f"def test_writes_the_real_git_config():\n"
        f"    subprocess.run(['git', 'config', '--file', {str(home / '.gitconfig')!r}, 'user.name', 'Tester'],"
        " check=True)\n")
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
                          cwd=suite, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "real git config or keyring" in proc.stdout, proc.stdout[-2000:]
