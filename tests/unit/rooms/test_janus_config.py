"""The Janus configuration the app writes: private files, token auth, only HTTP + VideoRoom, the
install's secrets, no published ones; and the room settings read from the environment."""

import re
import stat
from pathlib import Path

import pytest

from tutorhub.env_values import SettingsError
from tutorhub.integrations.janus_config import write_janus_config
from tutorhub.room_settings import get_room_settings, parse_ice_servers
from tutorhub.settings import reset_settings


def test_written_config_is_private_and_locked_down(tmp_path):
    folder = write_janus_config(tmp_path / "janus", admin_secret="a" * 40, admin_key="k" * 40, http_port=18088,
                                admin_port=17088)
    main = (folder / "janus.jcfg").read_text()
    assert 'admin_secret = "' + "a" * 40 + '"' in main and "token_auth = true" in main
    assert "janusoverlord" not in main and "libjanus_videoroom.so" not in main  # videoroom stays enabled
    assert "libjanus_websockets.so" in main and "libjanus_streaming.so" in main  # the rest disabled
    http = (folder / "janus.transport.http.jcfg").read_text()
    assert 'admin_ip = "127.0.0.1"' in http and "port = 18088" in http and "admin_port = 17088" in http
    assert "string_ids = true" in (folder / "janus.plugin.videoroom.jcfg").read_text()
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ValueError):
        write_janus_config(tmp_path / "x", admin_secret='a"b', admin_key="k", http_port=1, admin_port=2)


def test_room_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("TUTORHUB_ICE_SERVERS", '[{"urls": "turn:turn.example.org:3478", "username": "u", '
                                               '"credential": "p", "extra": 1}]')
    monkeypatch.setenv("TUTORHUB_PUBLIC_URL", "https://tutorhub.example")
    reset_settings()
    rs = get_room_settings()
    assert rs.ice_servers == ({"urls": "turn:turn.example.org:3478", "username": "u", "credential": "p"},)
    assert rs.public_url == "https://tutorhub.example/janus" and rs.sfu == "janus"
    assert len(rs.admin_secret) == 64 and rs.admin_secret != rs.admin_key
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "another-install-secret-key-long-enough-0123456789")
    reset_settings()
    other = get_room_settings()  # another install (its own generated key): other Janus secrets
    assert other.admin_secret != rs.admin_secret and other.admin_key != rs.admin_key
    assert other.signing_key != rs.signing_key
    monkeypatch.setenv("TUTORHUB_SFU", "maybe")
    with pytest.raises(SettingsError):
        get_room_settings()
    monkeypatch.undo()  # the cached settings must not keep this test's environment for later tests
    reset_settings()


@pytest.mark.parametrize("raw", ["{", "{}", '[{"urls": "http://x"}]', '[{"urls": []}]', '["stun:x"]'])
def test_bad_ice_servers_are_refused(raw):
    with pytest.raises(SettingsError):
        parse_ice_servers(raw)


def test_the_coturn_example_in_the_docs_is_a_valid_setting():
    """docs/video.md's TUTORHUB_ICE_SERVERS example parses, and its TURN user is the one the coturn
    example declares (long-term credentials: the setting's password is what browsers send)."""
    text = (Path(__file__).parents[3] / "docs" / "video.md").read_text()
    raw = re.search(r"TUTORHUB_ICE_SERVERS='(.*?)'", text, re.S).group(1)
    servers = parse_ice_servers(raw)
    turn = [s for s in servers if str(s["urls"]).startswith("turn:")]
    assert len(servers) == 2 and len(turn) == 1 and turn[0]["username"] == "tutorhub"
    assert "lt-cred-mech" in text and "user=tutorhub:" in text and "use-auth-secret" not in text
