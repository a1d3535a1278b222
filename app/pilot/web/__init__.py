"""The pilot pages (Jinja templates under templates/)."""
