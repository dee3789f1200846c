"""HTML to PDF with WeasyPrint, offline.

Everything a report needs is in its HTML: the style sheet inline, the charts as inline SVG. The URL
fetcher allows ``data:`` URIs only, so a report never reaches the network or the file system (an
``<img src="https://...">`` slipped into a template is dropped, not fetched).
"""

from django.template.loader import render_to_string

# Imported on first use: WeasyPrint and Pango cost about a second to load, which no page should pay.
_fetcher = None


def url_fetcher():
    global _fetcher
    if _fetcher is None:
        from weasyprint.urls import URLFetcher

        _fetcher = URLFetcher(allowed_protocols={"data"})
    return _fetcher


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=url_fetcher(), media_type="print").write_pdf()


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template, context))
