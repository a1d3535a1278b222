"""marshmallow request/response schemas of the API (they also document it in OpenAPI)."""
