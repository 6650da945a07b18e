"""The README is a front page (at most 12 KB) and every link in it and in docs/ stays inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(
    r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)|(?:href|src)=[\"']([^\"']+)[\"']",
    re.M,
)


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # code blocks hold no links
    return [next(g for g in match.groups() if g) for match in LINK.finditer(text)]


def test_the_readme_is_a_front_page() -> None:
    assert (ROOT / "README.md").stat().st_size <= 12 * 1024
    names = {page.name for page in PAGES}
    for doc in ("cli", "scenarios", "reports", "stack", "data-disasters", "load", "benchmarks", "contributing"):
        assert f"{doc}.md" in names, doc
        assert f"(docs/{doc}.md)" in (ROOT / "README.md").read_text(), f"the README links docs/{doc}.md"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(page: Path) -> None:
    found = links(page)
    assert page.name != "README.md" or found, "the README links its docs"
    for target in found:
        assert not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I), (
            f"{page.name}: {target} points outside the repository"
        )
        assert not target.startswith("//"), f"{page.name}: {target} points outside the repository"
        path = target.split("#", 1)[0]
        if not path:
            continue  # an anchor on the same page
        resolved = (ROOT / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
        resolved = resolved.resolve()
        assert resolved.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
        assert resolved.is_file(), f"{page.name}: {target} does not resolve to a file"


def test_the_link_finder_sees_what_it_must_refuse(tmp_path: Path) -> None:
    page = tmp_path / "x.md"
    page.write_text(
        '[a](https://example.org) ![b](img/x.png "t")\n[ref]: http://x\n<img src="//cdn/x.png">\n```\n[c](http://in-code)\n```\n'
    )
    assert links(page) == ["https://example.org", "img/x.png", "http://x", "//cdn/x.png"]
