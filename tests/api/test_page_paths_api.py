"""A prerendered page is served at its own address: no 307 to the trailing-slash form first."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from tutorhub.api.page_paths import SlashlessPagesMiddleware


def _client(tmp_path) -> TestClient:
    (tmp_path / "tutors").mkdir()
    (tmp_path / "tutors" / "index.html").write_text("<html>search</html>")
    (tmp_path / "index.html").write_text("<html>home</html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "empty").mkdir()
    app = Starlette(routes=[Mount("/", app=StaticFiles(directory=tmp_path, html=True))])
    app.add_middleware(SlashlessPagesMiddleware, static_dir=tmp_path.resolve())
    return TestClient(app, follow_redirects=False)


def test_a_page_folder_is_served_without_a_redirect(tmp_path):
    client = _client(tmp_path)
    res = client.get("/tutors")
    assert res.status_code == 200 and res.text == "<html>search</html>"
    assert client.head("/tutors").status_code == 200
    assert client.get("/tutors/").text == "<html>search</html>"
    assert client.get("/").text == "<html>home</html>"


def test_other_paths_are_left_alone(tmp_path):
    client = _client(tmp_path)
    assert client.get("/assets/app.js").text == "console.log(1)"
    assert client.get("/empty").status_code in (404, 307)  # a folder without a page: StaticFiles decides
    assert client.get("/tutors/../../etc/passwd").status_code == 404
    assert client.post("/tutors").status_code == 405  # only GET/HEAD are rewritten
    assert client.get("/nothing").status_code == 404
