"""FastAPI web app: JSON API, server-rendered pages, live events."""
