"""The REST API (FastAPI) and the server that also mounts the web UI."""
