"""The JSON API for partner systems (/api/v1): the same services and access policy as the
pages, authenticated by personal access tokens, described by a committed OpenAPI document."""
