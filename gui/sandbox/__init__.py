"""A faithful local emulator of Agilant's TOGaDesk and TOGa order APIs. Imports nothing from Qt."""

from .faults import Fault, Faults
from .server import Recorded, SandboxServer

__all__ = ["Fault", "Faults", "Recorded", "SandboxServer"]
