"""Putting data into an installation: the demo data of `flask seed-demo`. Reads every domain."""
