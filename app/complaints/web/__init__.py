"""The complaints pages (Jinja templates under templates/)."""
