"""What the 育人号 domain plugs in: the review and showcase processes' service tasks, the completion
deadline scan, the writing, review, deadline and public pages, and the post endpoints."""

from __future__ import annotations

from flask import Flask

from app.posts import api, deadlines, review, showcase, summary
from app.posts.web import deadlines as deadline_pages
from app.posts.web import editor, labels, public
from app.posts.web import review as review_pages
from app.workflow.plugins import Plugin


def _init_app(app: Flask) -> None:
    labels.register(app)


plugin = Plugin(
    name="posts",
    service_tasks={
        "post_publish": review.publish,
        "post_set_status": review.set_status,
        "showcase_set_status": showcase.set_status,
    },
    case_summaries={"post_review": summary.post_review, "post_showcase": summary.showcase},
    scanners=(deadlines.scan_deadlines,),
    pages=(editor.bp, review_pages.bp, deadline_pages.bp, public.bp),
    api=(api.blp, api.public_blp),
    init_app=_init_app,
)
