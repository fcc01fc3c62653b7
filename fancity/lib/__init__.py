"""Code every app shares that is not an app: queueing work, drawing charts. Imports no app."""
