"""The posts pages (Jinja templates under templates/)."""
