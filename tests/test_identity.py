"""An account with no git identity (every fresh Binder or hub account) can do everything, with the toolkit's
per-environment identity in its commits; the user's own identity wins; errors about identity read as a sentence.

The whole suite runs with no git identity (see the top conftest.py): these tests check whose name the commits carry.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neurodata_widgets import errors, git_identity

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.fixture
def fresh_account(monkeypatch, tmp_path):
    """This process as a fresh account: the toolkit's config folder is empty (nothing chosen yet)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for key in ("GIT_CONFIG_SYSTEM", "NDW_ORIGINAL_GIT_CONFIG_SYSTEM"):  # put back after the test
        monkeypatch.setenv(key, os.environ.get(key, ""))
    for key in (*git_identity._ENV_KEYS, "NDW_GIT_IDENTITY_ENV"):  # none now, none after the test
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    git_identity.apply()
    return git_identity.toolkit_identity()


def authors(path, *revs) -> set[str]:
    out = subprocess.run(["git", "-C", str(path), "log", "--format=%an <%ae>|%cn <%ce>", *(revs or ["--all"])],
                         capture_output=True, text=True, check=True).stdout
    return {who for line in out.splitlines() for who in line.split("|")}


def who(ident) -> str:
    return f"{ident.name} <{ident.email}>"


def test_git_itself_has_no_identity_here(tmp_path):
    """The premise: without the toolkit's identity, git refuses to commit (and may not guess one)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_CONFIG_SYSTEM",)}
    env["GIT_CONFIG_SYSTEM"] = os.devnull
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=env)
    proc = subprocess.run(["git", "-C", str(tmp_path), "commit", "-q", "--allow-empty", "-m", "x"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode != 0 and git_identity.is_identity_problem(proc.stderr)
    message, hint = errors.describe(RuntimeError(proc.stderr))
    assert message.startswith("git needs to know who you are") and "neurodata-widgets identity" in hint


def test_the_default_is_the_account_and_asked_once(fresh_account):
    import pwd

    entry = pwd.getpwuid(os.getuid())
    assert fresh_account.name == (entry.pw_gecos.split(",")[0].strip() or entry.pw_name)
    assert fresh_account.email.startswith(entry.pw_name + "@") and not fresh_account.chosen
    seen = git_identity.identity()
    assert seen == fresh_account and seen.source == "toolkit"
    assert seen.line() == f"Changes are saved as {who(fresh_account)}"


def test_a_hub_user_is_named_after_the_hub_account(monkeypatch, fresh_account):
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    monkeypatch.setenv("EMAIL", "ada@lab.example.org")
    default = git_identity.default_identity()
    assert (default.name, default.email) == ("ada", "ada@lab.example.org")
    monkeypatch.delenv("EMAIL")
    assert git_identity.default_identity().email.startswith("ada@")


def test_set_identity_is_kept_and_every_process_sees_it(fresh_account, tmp_path):
    chosen = git_identity.set_identity("Ada Lovelace", "ada@example.org")
    assert chosen.chosen and git_identity.identity() == chosen
    stored = Path(os.environ["XDG_CONFIG_HOME"]) / "neurodata-widgets" / "identity.json"
    assert "ada@example.org" in stored.read_text()
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    assert authors(repo) == {"Ada Lovelace <ada@example.org>"}
    # the user's global git config was not written
    assert "Ada" not in Path(os.environ["GIT_CONFIG_GLOBAL"]).read_text()
    for bad in (("", "ada@example.org"), ("Ada", "no address"), ("Ada <x>", "ada@example.org")):
        with pytest.raises(errors.UserError):
            git_identity.set_identity(*bad)
    assert git_identity.identity() == chosen  # a refused change keeps the identity


def test_the_users_own_identity_wins(fresh_account, monkeypatch, tmp_path):
    mine = tmp_path / "gitconfig"
    mine.write_text("[user]\n\tname = Grace Hopper\n\temail = grace@example.org\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(mine))
    found = git_identity.identity()
    assert (found.name, found.email, found.source) == ("Grace Hopper", "grace@example.org", "git")
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "config", "user.name", "Dataset Person"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    assert authors(repo) == {"Dataset Person <grace@example.org>"}  # the dataset's own name, then the global email
    assert git_identity.identity(repo).name == "Dataset Person"


def test_without_system_config_the_identity_goes_through_the_environment(fresh_account, monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    git_identity.apply()
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    assert authors(repo) == {who(fresh_account)}


def _cli(home, *args):
    return subprocess.run([str(Path(sys.executable).parent / "neurodata-widgets"), "identity", *args],
                          capture_output=True, text=True, timeout=120, env={"HOME": str(home), "PATH": SYSTEM_PATH})


def test_the_command_line_shows_and_changes_the_identity(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shown = _cli(home)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Changes are saved as ") and "default" in shown.stdout
    changed = _cli(home, "--name", "Ada Lovelace", "--email", "ada@example.org")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines()[0] == "Changes are saved as Ada Lovelace <ada@example.org>."
    assert "You chose it" in changed.stdout
    assert not (home / ".gitconfig").exists()  # the user's git config is never written
    bad = _cli(home, "--email", "nope")
    assert bad.returncode == 2 and "is not an email address" in bad.stderr
    assert "Ada Lovelace <ada@example.org>" in _cli(home).stdout
    (home / ".gitconfig").write_text("[user]\n\tname = Grace Hopper\n\temail = grace@example.org\n")
    own = _cli(home)
    assert "Grace Hopper <grace@example.org>" in own.stdout and "your own git identity" in own.stdout


# ---------------------------------------------------------------------------------------------------------------
# through the real stack: install from search, get, drop, save, rerun
# ---------------------------------------------------------------------------------------------------------------
def test_install_get_drop_save_with_no_identity(fresh_account, demo, tmp_path):
    import datalad.api as dl

    from neurodata_widgets.datasets import ops
    from neurodata_widgets.search.install import install_datasets

    [path] = install_datasets([demo["superdataset"]], tmp_path / "installed")
    assert who(fresh_account) in authors(path, "git-annex")  # git-annex recorded this clone under our name
    results = ops.get(path, ["raw"])
    assert results and all(r["status"] in ("ok", "notneeded") for r in results), results
    present = [r["path"] for r in results if r["status"] == "ok" and r.get("type") == "file"]
    assert present
    raw = Path(path) / "raw"
    assert who(fresh_account) in authors(raw, "git-annex")
    dropped = ops.drop(path, present[:1])
    assert all(r["status"] in ("ok", "notneeded") for r in dropped), dropped
    (Path(path) / "notes.txt").write_text("a note\n")
    dl.save(dataset=path, path=[str(Path(path) / "notes.txt")], message="a note", result_renderer="disabled")
    assert authors(path, "-1", "HEAD") == {who(fresh_account)}


@pytest.fixture
def one_run(tmp_path):
    """A dataset with one run whose command fails on rerun once ``fail`` exists next to the dataset."""
    import datalad.api as dl

    ds = dl.create(str(tmp_path / "ds"), result_renderer="disabled")
    ds.run("sh -c 'echo $RANDOM$RANDOM > out.txt; echo scratch > scratch.txt; rm scratch.txt; test ! -e ../fail'",
           outputs=["out.txt"], message="make out", result_renderer="disabled")
    return Path(ds.path)


def _snapshot(path):
    status = subprocess.run(["git", "-C", str(path), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    head = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout
    return head, status, sorted(p.name for p in path.iterdir()), os.path.realpath(path / "out.txt")


def test_rerun_with_no_identity_is_made_by_the_toolkit_identity(fresh_account, one_run):
    from neurodata_widgets.provenance.history import History
    from neurodata_widgets.provenance.rerun import rerun

    assert authors(one_run, "-1", "HEAD") == {who(fresh_account)}
    history = History(one_run)
    rows = rerun(history, history.runs[0])
    assert any(r["action"] == "run" and r["status"] == "ok" for r in rows)
    assert authors(one_run, "-1", "HEAD") == {who(fresh_account)}


def test_a_failed_rerun_leaves_the_dataset_as_it_was(one_run):
    from neurodata_widgets.provenance.history import History
    from neurodata_widgets.provenance.rerun import rerun

    (one_run.parent / "fail").write_text("")
    before = _snapshot(one_run)
    history = History(one_run)
    with pytest.raises(errors.UserError) as raised:
        rerun(history, history.runs[0])
    assert "left as it was" in raised.value.hint
    assert _snapshot(one_run) == before  # same commit, nothing staged, modified or new, same content


def test_a_rerun_git_cannot_commit_says_why_and_changes_nothing(one_run, monkeypatch, tmp_path):
    from neurodata_widgets.provenance.history import History
    from neurodata_widgets.provenance.rerun import rerun

    history = History(one_run)
    before = _snapshot(one_run)
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", os.devnull)  # as if the toolkit's identity were not there
    with pytest.raises(errors.UserError) as raised:
        rerun(history, history.runs[0])
    message, hint = errors.describe(raised.value)
    assert message.startswith("git needs to know who you are") and "neurodata-widgets identity" in hint
    assert "CommandError" not in message
    assert _snapshot(one_run) == before


def test_an_install_git_annex_cannot_record_says_why(monkeypatch, demo, tmp_path):
    from neurodata_widgets.search.install import install_datasets

    monkeypatch.setenv("GIT_CONFIG_SYSTEM", os.devnull)
    with pytest.raises(errors.UserError) as raised:
        install_datasets([demo["superdataset"]], tmp_path / "installed")
    message, hint = errors.describe(raised.value)
    assert "git needs to know who you are" in message and "neurodata-widgets identity" in hint
    assert "URL" not in hint and "commit-tree" not in message
    assert not (tmp_path / "installed" / Path(demo["superdataset"]).name).exists()


def test_the_page_asks_once_and_the_form_changes_the_identity(fresh_account, monkeypatch, tmp_path):
    from neurodata_widgets.ui.identity import IdentityLine

    line = IdentityLine()
    assert line.value == who(fresh_account) and line.source == "toolkit"
    assert "is this you?" in line.text.value and line.keep_button.layout.display is None
    line.keep_button.click()  # asked once: kept, not asked again
    assert git_identity.identity().chosen and line.keep_button.layout.display == "none"
    assert "is this you?" not in IdentityLine().text.value
    line.change_button.click()
    assert line.form.layout.display is None and line.name.value == fresh_account.name
    line.email.value = "not an address"
    line.save_button.click()
    assert "is not an email address" in line.error.value and git_identity.identity().email == fresh_account.email
    line.name.value, line.email.value = "Ada Lovelace", "ada@example.org"
    line.save_button.click()
    assert line.form.layout.display == "none" and line.value == "Ada Lovelace <ada@example.org>"
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    assert authors(repo) == {"Ada Lovelace <ada@example.org>"}
    mine = tmp_path / "gitconfig"
    mine.write_text("[user]\n\tname = Grace Hopper\n\temail = grace@example.org\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(mine))
    own = IdentityLine()
    assert own.source == "git" and "your git identity" in own.text.value
    assert own.change_button.layout.display == "none" and own.keep_button.layout.display == "none"


def test_the_portal_shows_who_changes_are_saved_as(fresh_account, tmp_path):
    import ipywidgets as widgets

    from neurodata_widgets.portal.widgets import Portal

    portal = Portal(dataset=str(tmp_path), logins=widgets.HBox(), factories={t: widgets.HBox for t in Portal.TABS})
    assert portal.identity in portal.children and portal.identity.value == who(fresh_account)
