"""Anonymous pages cached in each worker: rendered HTML is kept per URL while the version of what it shows
(one small query, given by the page) is unchanged, and answered with an ETag so browsers revalidate for
free. Pages for logged-in people (navigation with their name, CSRF token) and pages with a flashed
message are never cached."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Response, request, session
from flask_login import current_user

CACHE_SECONDS = 300
CACHE_ENTRIES = 256
_cache: OrderedDict[str, tuple[str, float, str]] = OrderedDict()  # url -> (version, stored at, body)
_lock = threading.Lock()


def _cacheable() -> bool:
    return not current_user.is_authenticated and "_flashes" not in session


def cached(render: Callable[[], str], version: Callable[[], str], mimetype: str = "text/html") -> Response:
    """The page `render` makes, from the cache while `version()` is what it was when the page was made."""
    if not _cacheable():
        response = Response(render(), mimetype=mimetype)
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    current = version()
    key = request.full_path
    etag = hashlib.sha256(f"{current}|{key}".encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        with _lock:
            hit = _cache.get(key)
        if hit and hit[0] == current and time.monotonic() - hit[1] < CACHE_SECONDS:
            body = hit[2]
        else:
            body = render()
            with _lock:
                _cache[key] = (current, time.monotonic(), body)
                _cache.move_to_end(key)
                while len(_cache) > CACHE_ENTRIES:
                    _cache.popitem(last=False)
        response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.vary.add("Cookie")
    return response


def clear() -> None:
    with _lock:
        _cache.clear()
