"""python -m artifacts_show"""

from .cli import console

console()
