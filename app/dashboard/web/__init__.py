"""The dashboard pages (Jinja templates under templates/)."""
