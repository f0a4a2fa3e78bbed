"""The shared credential store and login form (auth/), used by the XNAT widgets."""
import pytest

from neurodata_widgets.auth.credentials import CredentialStore, credential_name, env_prefix
from neurodata_widgets.auth.widgets import LoginForm


def test_names_follow_datalad_xnat():
    assert credential_name("https://central.xnat.org") == "central.xnat.org"
    assert credential_name("http://127.0.0.1:8080/xnat") == "127.0.0.1:8080"
    assert env_prefix("127.0.0.1:8080") == "DATALAD_CREDENTIAL_127_0_0_1_8080"


def test_save_get_remove_and_what_datalad_sees():
    import datalad
    from datalad.downloaders.credentials import UserPassword

    store = CredentialStore()
    store.save("store.example.org", "ada", "pw-1", realm="https://store.example.org")
    assert store.get("store.example.org") == {"name": "store.example.org", "user": "ada", "password": "pw-1",
                                              "source": "credential store"}
    assert datalad.cfg.get("datalad.credential.store.example.org.user") == "ada"  # datalad-next's layout
    assert UserPassword("store.example.org")() == {"user": "ada", "password": "pw-1"}  # datalad-core's
    assert store.remove("store.example.org")
    assert store.get("store.example.org") is None


def test_reads_a_credential_saved_by_datalad_core():
    from datalad.support.keyring_ import keyring

    keyring.set("legacy.example.org", "user", "bob")
    keyring.set("legacy.example.org", "password", "pw-2")
    found = CredentialStore().get("legacy.example.org")
    assert (found["user"], found["password"]) == ("bob", "pw-2")
    CredentialStore().remove("legacy.example.org")


class _Form(LoginForm):
    def connect(self, url, user, password, anonymous, remember):
        if password != "right" and not anonymous:
            raise PermissionError(13, "Permission denied", url)
        self.seen = (url, user, anonymous, remember)
        return "guest" if anonymous else user


def test_login_form_clears_the_password_and_reports():
    form = _Form("https://example.org", "ada", prefix="ndw-test")
    calls = []
    form.on_login(calls.append)
    form.password.value = "wrong"
    form.login_button.click(); form.wait_background()
    assert form.status == "error" and form.error.startswith("Logging in: Permission denied")
    assert form.password.value == "" and calls == []
    form.password.value = "right"
    form.login_button.click(); form.wait_background()
    assert (form.value, form.status, calls) == ("ada", "logged in", [form])
    assert "ndw-test-user-name" in form.who.value and not form.logout_button.disabled
    form.logout_button.click(); form.wait_background()
    assert form.value == "" and form.logout_button.disabled
    form.anonymous.value = True
    assert form.user.disabled and form.password.disabled
    form.login_button.click(); form.wait_background()
    assert form.value == "guest"
    assert "ndw-test-login" in form._dom_classes and "ndw-test-password" in form.password._dom_classes


def test_abstract_form_says_so():
    with pytest.raises(NotImplementedError):
        LoginForm().connect("u", None, None, True, False)
