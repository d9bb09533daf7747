"""Atom and RSS documents written for the tests, in the shapes real blogs publish."""

from __future__ import annotations

from xml.sax.saxutils import escape


def atom(
    entries: list[dict[str, str]],
    *,
    link: str = "https://sam.example.blog/",
    title: str = "Sam's blog",
) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title>",
        f'<link href="{escape(link)}" rel="alternate"/>',
        "<id>urn:feed:test</id><updated>2026-11-30T10:00:00Z</updated>",
    ]
    for e in entries:
        author = ""
        if e.get("author") or e.get("author_uri"):
            author = "<author>"
            author += f"<name>{escape(e.get('author', ''))}</name>"
            if e.get("author_uri"):
                author += f"<uri>{escape(e['author_uri'])}</uri>"
            author += "</author>"
        parts.append(
            "<entry>"
            f"<id>{escape(e['id'])}</id>"
            f"<title>{escape(e.get('title', ''))}</title>"
            f'<link href="{escape(e.get("link", "https://sam.example.blog/" + e["id"]))}"/>'
            f"<published>{e.get('published', '2026-11-30T09:00:00Z')}</published>"
            f"<updated>{e.get('published', '2026-11-30T09:00:00Z')}</updated>"
            f"{author}"
            f'<content type="html">{escape(e["html"])}</content>'
            "</entry>"
        )
    parts.append("</feed>")
    return "\n".join(parts)


def rss(items: list[dict[str, str]], *, link: str = "https://forum.example.org/") -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel><title>Forum</title>',
        f"<link>{escape(link)}</link><description>Posts</description>",
    ]
    for i in items:
        parts.append(
            "<item>"
            f'<guid isPermaLink="false">{escape(i["id"])}</guid>'
            f"<title>{escape(i.get('title', ''))}</title>"
            f"<link>{escape(i.get('link', link + i['id']))}</link>"
            f"<pubDate>{i.get('date', 'Mon, 30 Nov 2026 09:00:00 GMT')}</pubDate>"
            f"<description>{escape(i['html'])}</description>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts)
