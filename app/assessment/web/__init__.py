"""The assessment pages (Jinja templates under templates/)."""
