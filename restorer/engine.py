"""Old name, kept only because restorer/ui/state.py imports pick_device from here and could
not be edited in the change that renamed it: devices live in restorer/devices.py, tiled
prediction in restorer/tiling.py. Delete this file once ui/state.py imports from those."""
from .devices import DEVICES, pick_device  # noqa: F401
from .tiling import TiledPredictor  # noqa: F401
