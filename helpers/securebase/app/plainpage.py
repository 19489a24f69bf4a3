"""The servers' own plain pages (sign-in, a report file that is not there): one look, the app's, with
no scripts and nothing fetched from elsewhere. The app's error pages are Voila templates in the same
style (share/jupyter/voila/templates/securebase/error.html)."""

from __future__ import annotations

import html

PLAIN_CSS = """
 body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2a37; background: #f4f6f9; }
 header { background: #1a4f9c; color: #fff; padding: 12px 24px; font-weight: 600; font-size: 17px; }
 main { max-width: 36em; margin: 32px auto; background: #fff; border: 1px solid #dde3ea; border-radius: 8px; padding: 20px 28px; line-height: 1.55; }
 h1 { font-size: 22px; margin: 0 0 8px; }
 label { display: block; font-weight: 600; margin: 14px 0 4px; }
 input[type=password] { width: 100%; box-sizing: border-box; padding: 8px; border: 1px solid #9aa5b1; border-radius: 6px; font-size: 15px; }
 button { margin-top: 14px; background: #1a4f9c; color: #fff; border: 0; border-radius: 6px; padding: 9px 18px; font-size: 15px; }
 .error { border-left: 4px solid #b3541e; background: #fdf3ec; padding: 8px 12px; }
"""


def plain_page(title: str, body: str) -> str:
    """A whole page: ``title`` (escaped here) and ``body``, HTML the caller has already escaped."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1">\n<title>{html.escape(title)} · Secure Base</title>\n'
            f"<style>{PLAIN_CSS}</style></head>\n<body><header>Secure Base</header><main>\n{body}\n</main></body></html>")
