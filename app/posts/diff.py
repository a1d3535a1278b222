"""What changed between two revisions of a post, block by block and, inside a changed block,
character by character (Chinese has no spaces to split words on). Output is escaped HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from markupsafe import Markup, escape

from app.core import sanitize
from app.models import PostRevision
from app.posts import media as posts_media

# Character-level diffs of two blocks cost len(a) * len(b) at worst: above this, show them whole.
MAX_INLINE_WORK = 4_000_000


@dataclass
class Row:
    kind: str  # same | added | removed | changed
    html: Markup


@dataclass
class Diff:
    title: Row
    rows: list[Row] = field(default_factory=list)
    files: list[Row] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {"added": 0, "removed": 0, "changed": 0}
        for row in self.rows:
            if row.kind in out:
                out[row.kind] += 1
        return out

    @property
    def unchanged(self) -> bool:
        return self.title.kind == "same" and not any(r.kind != "same" for r in self.rows + self.files)


def inline(old: str, new: str) -> Markup:
    """`new` with deletions as <del> and insertions as <ins>."""
    if len(old) * len(new) > MAX_INLINE_WORK:
        return Markup("<del>{}</del><ins>{}</ins>").format(old, new)
    out = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(new[b1:b2]))
        if op in ("delete", "replace"):
            out.append(Markup("<del>{}</del>").format(old[a1:a2]))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>{}</ins>").format(new[b1:b2]))
    return Markup("").join(out)


def blocks(old: list[str], new: list[str]) -> list[Row]:
    rows: list[Row] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [Row("same", escape(text)) for text in new[b1:b2]]
            continue
        pairs = min(a2 - a1, b2 - b1) if op == "replace" else 0
        rows += [Row("changed", inline(old[a1 + i], new[b1 + i])) for i in range(pairs)]
        rows += [Row("removed", escape(text)) for text in old[a1 + pairs:a2]]
        rows += [Row("added", escape(text)) for text in new[b1 + pairs:b2]]
    return rows


def _file_names(revision: PostRevision) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"cover": [], "attachment": []}
    for link, file in posts_media.files_of(revision.id):
        if link.role in out:
            out[link.role].append(file.filename)
    return out


def compare(old: PostRevision, new: PostRevision) -> Diff:
    title = Row("same", escape(new.title)) if old.title == new.title else Row("changed", inline(old.title, new.title))
    diff = Diff(title, blocks(sanitize.text_blocks(old.body_html, images=True),
                              sanitize.text_blocks(new.body_html, images=True)))
    before, after = _file_names(old), _file_names(new)
    labels = {"cover": "封面", "attachment": "附件"}
    for role, label in labels.items():
        for name in after[role]:
            if name not in before[role]:
                diff.files.append(Row("added", Markup("{}：{}").format(label, name)))
        for name in before[role]:
            if name not in after[role]:
                diff.files.append(Row("removed", Markup("{}：{}").format(label, name)))
    return diff
