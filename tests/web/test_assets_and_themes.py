"""The NL Design System assets are served by the app itself, and each municipality can have
its own theme."""
from __future__ import annotations

import pytest

from lifecycle.config import THEMES, parse_municipality_themes
from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize("path", [
    "@utrecht/component-library-css/dist/index.css",
    "@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css",
    "@utrecht/design-tokens/dist/index.css",
    "@fontsource/noto-sans/400.css",
    "@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2",
])
def test_the_installed_css_and_fonts_are_served_from_the_app(client, path):
    response = client.get(f"/assets/{path}")
    assert response.status_code == 200
    assert len(response.data) > 100


@pytest.mark.parametrize("path", [
    "package.json", "@utrecht/component-library-css/package.json",
    "@utrecht/component-library-css/dist/../package.json", "../requirements.txt",
    "@fontsource/noto-sans/../../../wsgi.py", "left-pad/index.css",
])
def test_nothing_else_in_node_modules_or_the_project_is_served(client, path):
    assert client.get(f"/assets/{path}").status_code == 404


def test_every_page_links_the_default_theme_and_the_component_library(client):
    page = client.get("/login").get_data(as_text=True)
    assert THEMES["voorbeeld"]["stylesheet"] in page
    assert "@utrecht/component-library-css/dist/index.css" in page
    assert 'class="utrecht-root voorbeeld-theme"' in page


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MUNICIPALITY_THEMES": {"utrecht": "utrecht"}}


def test_a_municipality_configured_for_its_own_theme_gets_it_after_login(client, make_user):
    utrecht_lead = make_user("lead", municipality="Utrecht")
    venlo_lead = make_user("lead", municipality="Venlo")
    pages = {}
    for user in (utrecht_lead, venlo_lead):
        visitor = client.application.test_client()
        visitor.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        pages[user.municipality.name] = visitor.get("/dashboard").get_data(as_text=True)
    assert THEMES["utrecht"]["stylesheet"] in pages["Utrecht"]
    assert "utrecht-theme" in pages["Utrecht"]
    assert THEMES["voorbeeld"]["stylesheet"] in pages["Venlo"]
    assert THEMES["utrecht"]["stylesheet"] not in pages["Venlo"]


def test_the_theme_setting_names_only_known_themes():
    assert parse_municipality_themes("utrecht=utrecht, venlo=voorbeeld") == {
        "utrecht": "utrecht", "venlo": "voorbeeld"}
    with pytest.raises(ValueError, match="unknown theme"):
        parse_municipality_themes("utrecht=rijkshuisstijl")


def test_pages_send_the_security_headers(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
