"""The web UI (`restore ui`): layout in app.py, handlers in handlers.py, controls from option dataclasses in controls.py."""
