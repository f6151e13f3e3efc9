"""The headless team relay: the vendor's webhooks in, one poller for the whole team. No Qt.

``python main.py --relay --team URL --server VENDOR_URL`` runs it (``gui.relay.app``). Desks ask
``gui.relay.health.polling_relay(registry, env)`` whether a live relay polls their environment, and
poll only the ticket on screen while one does.
"""
