"""育人号 (SPEC §4): posts written, reviewed and published, their deadlines, the public pages and 成果展示.
Its public face, for the home page and the demo data: public, showcase, writing."""

from app.posts import public, showcase, writing

__all__ = ["public", "showcase", "writing"]
