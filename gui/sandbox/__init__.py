"""A faithful local emulator of Agilant's TOGaDesk and TOGa order APIs. Imports nothing from Qt."""

from .faults import PASS, Fault, Faults
from .server import Recorded, SandboxServer

__all__ = ["PASS", "Fault", "Faults", "Recorded", "SandboxServer"]
