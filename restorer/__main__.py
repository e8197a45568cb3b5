"""`python -m restorer ...` is `restore ...` (torchrun needs a module or script)."""
from .cli import main

main()
