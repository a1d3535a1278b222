"""The workflow pages (Jinja templates under templates/)."""
