"""The web application (issue 7): FastAPI, server-rendered pages, a JSON API under /api/v1."""
