"""docs/api.md keeps up with the code: every problem type and every operation is in it."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from service.web.errors import CATALOGUE
from tests.conftest import make_test_app

API_MD = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_every_problem_type_is_in_the_catalogue_with_its_status_and_title():
    text = API_MD.read_text()
    for slug, kind in CATALOGUE.items():
        row = f"| `{slug}` | {kind.status} | {kind.title} |"
        assert row in text, f"docs/api.md lacks the catalogue row {row!r}"
    listed = set(re.findall(r"^\| `([a-z-]+)` \| \d{3} \|", text, flags=re.M))
    assert listed == set(CATALOGUE), listed ^ set(CATALOGUE)


def test_every_operation_of_the_document_has_an_example():
    app = make_test_app(Path(tempfile.mkdtemp(prefix="fairfile-api-doc-")))
    spec = app.test_client().get("/openapi.json").json
    text = API_MD.read_text()
    missing = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if f"| `{method.upper()} {path}`" not in text
    ]
    assert not missing, f"docs/api.md has no row for {missing}"


def test_the_docs_page_works_offline_with_no_inline_script(tmp_path):
    client = make_test_app(tmp_path).test_client()
    page = client.get("/docs/swagger")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "the page loads Swagger UI"
    assert all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in html
    assert "http://" not in html
    assert "https://" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        url = asset if asset.startswith("/") else f"/docs/{asset}"
        with client.get(url) as answer:
            assert answer.status_code == 200, url
