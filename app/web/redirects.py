"""Where a page may send the browser after a POST: only this site's own paths."""

from __future__ import annotations


def same_site_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`: a crafted `next` cannot send anyone elsewhere
    (`//host` and `/\\host` are other hosts to a browser)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
