"""Settings: no default secrets outside development and testing."""

from __future__ import annotations

import base64

import pytest

from service import create_app
from service.web.config import ConfigurationError, load_settings, settings_from_env

STRONG = "x7Qp2_Lk9vT3mW8zR1nB5cY4hJ6dF0sA"  # 32 characters, not a real key


def test_production_refuses_to_start_without_keys(tmp_path):
    with pytest.raises(
        ConfigurationError,
        match=(
            "FAIRFILE_SECRET_KEY, FAIRFILE_MASTER_KEY, FAIRFILE_SIGNING_KEY, FAIRFILE_PSEUDONYM_KEY"
        ),
    ):
        create_app({"env": "production", "instance_path": tmp_path})


def test_production_names_the_one_missing_key(tmp_path):
    with pytest.raises(ConfigurationError, match="without FAIRFILE_MASTER_KEY "):
        load_settings(
            {"env": "production", "secret_key": STRONG, "signing_key": "k", "pseudonym_key": "p"}
        )


def test_production_starts_with_keys(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    app = create_app(
        {
            "env": "production",
            "secret_key": STRONG,
            "master_key": base64.urlsafe_b64encode(bytes(range(32))).decode(),
            "signing_key": pem.decode(),
            "pseudonym_key": base64.urlsafe_b64encode(bytes(range(32, 64))).decode(),
            "instance_path": tmp_path,
        }
    )
    assert app.config["SECRET_KEY"] == STRONG
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("weak", "why"),
    [("a", "1 characters long"), ("s" * 64, "one character repeated"), ("ab" * 20, "repetitive")],
)
def test_production_refuses_a_weak_secret_key(weak, why):
    with pytest.raises(ConfigurationError, match=f"FAIRFILE_SECRET_KEY is .*{why}"):
        load_settings(
            {
                "env": "production",
                "secret_key": weak,
                "master_key": base64.urlsafe_b64encode(bytes(range(32))).decode(),
                "signing_key": "k",
                "pseudonym_key": "p",
            }
        )


def test_development_generates_keys_once_into_the_instance_folder(tmp_path, caplog):
    first = create_app({"env": "development", "instance_path": tmp_path})
    second = create_app({"env": "development", "instance_path": tmp_path})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "fairfile.sqlite3").parent == tmp_path


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("FAIRFILE_ENV", "testing")
    monkeypatch.setenv("FAIRFILE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FAIRFILE_MAX_CONTENT_LENGTH", "2048")
    app = create_app()
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert app.instance_path == str(tmp_path)


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError, match="database_ulr"):
        load_settings({"env": "testing", "database_ulr": "sqlite://"})


def test_only_prefixed_known_variables_are_collected():
    assert settings_from_env({"FAIRFILE_LOG_LEVEL": "debug", "FAIRFILE_NOPE": "x"}) == {
        "log_level": "debug"
    }
