"""TOGaDesk Agent: a desktop helpdesk client for Agilant's TOGaDesk and TOGa order APIs."""

__version__ = "0.1.0"
