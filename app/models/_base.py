"""The base class of every model. At runtime it is `db.Model` (Flask-SQLAlchemy's subclass of
`extensions.Base`, bound to the app's metadata); a type checker cannot use an attribute of the `db`
object as a base class, so to it the base is `extensions.Base`, the declarative base `db.Model` extends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.extensions import Base, db

if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

__all__ = ["Model"]
