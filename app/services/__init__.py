"""Use cases. The only layer that commits; raises `app.errors` exceptions, never touches `request`."""
