"""Old name of restorer/restorer.py (Restorer: a task with its weights, Photo -> Photo), kept
only because restorer/ui/state.py and restorer/bench/denoise.py import it from here and could
not be edited in the change that renamed it. Delete this file once they import restorer.restorer."""
from .restorer import Restorer  # noqa: F401
