"""Use cases: they call the API client and keep the local store in step. No Qt."""
