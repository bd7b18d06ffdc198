"""The web site and JSON API (FastAPI); see caixun.web.app."""
