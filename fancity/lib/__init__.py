"""Code every app shares that is not an app: a cache that survives Redis outages, charts. Imports no app."""
