"""Small helpers for reading the HTML the pages answer with."""
from __future__ import annotations

from html import unescape
from html.parser import HTMLParser


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str, element: str, **wanted: str) -> list[dict]:
    """Attributes of every `element` whose attributes include `wanted`."""
    collector = _TagCollector()
    collector.feed(html)
    return [attrs for tag, attrs in collector.tags
            if tag == element and all(attrs.get(k) == v for k, v in wanted.items())]


def text(response) -> str:
    """The response body as text, with HTML entities resolved."""
    return unescape(response.get_data(as_text=True))
