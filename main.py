"""TOGaDesk Agent: start the desktop app, its demo, or the local TOGa sandbox."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import MutableMapping

DESCRIPTION = """\
TOGaDesk Agent, a desktop helpdesk for Agilant's TOGaDesk ticketing and TOGa order APIs.

  python main.py              the app with the agent's saved settings
  python main.py --demo       the app against a built-in sandbox (no account needed);
                              --demo --latency-ms 3000 shows it on a slow server
  python main.py --sandbox    only the sandbox: a local emulator of both vendor APIs
  python main.py --smoke-test check this installation offscreen, in a temporary folder, and exit
  python main.py --team-setup postgresql://owner@host/db
                              create or update the team's PostgreSQL schema and roles, and exit
  python main.py --relay --team postgresql://relay@host/db --server https://vendor.example
                              the team's headless relay: vendor webhooks in, one poller for all desks

The log is written to the app's data folder (Help > About shows where); its level comes from
--log-level or the TOGADESK_LOG_LEVEL environment variable.
"""
LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="togadesk", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--demo", action="store_true", help="run the app against an in-process sandbox")
    mode.add_argument("--sandbox", action="store_true", help="run only the sandbox HTTP server")
    mode.add_argument("--smoke-test", action="store_true",
                      help="start offscreen against the built-in sandbox, make one signed call, exit 0 if all is well")
    mode.add_argument("--team-setup", metavar="URL",
                      help="apply the team registry's schema and roles to this PostgreSQL database (idempotent)")
    mode.add_argument("--relay", action="store_true",
                      help="run the team's headless relay (no window): needs --team and --server")
    box = parser.add_argument_group("sandbox options (with --sandbox; the fault options work with --demo too)")
    box.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    box.add_argument("--port", type=int, default=8080, help="port to listen on; 0 picks a free one (default: 8080)")
    box.add_argument("--db", metavar="PATH", help="SQLite file to keep data in (default: a fresh temporary one)")
    box.add_argument("--latency-ms", type=float, default=0.0, metavar="N",
                     help="delay before each request is carried out (a slow server)")
    box.add_argument("--answer-delay-ms", type=float, default=0.0, metavar="N",
                     help="delay after each request is carried out, before its answer (a slow gateway: the change "
                          "is saved while the client still waits)")
    box.add_argument("--error-rate", type=float, default=0.0, metavar="P",
                     help="share of requests answered 500/502/504/408 (0 to 1)")
    box.add_argument("--drop-rate", type=float, default=0.0, metavar="P",
                     help="share of requests whose connection is dropped without an answer (0 to 1)")
    box.add_argument("--webhook-url", metavar="URL", help="POST webhooks (status changes, replies) to this URL")
    box.add_argument("--clock-window", type=float, default=300.0, metavar="S",
                     help="accepted clock difference of a request's Timestamp, in seconds (default: 300)")
    box.add_argument("--keys", metavar="PUB:SECRET[,...]",
                     help="extra accepted key pairs (also TOGA_SANDBOX_KEYS); the spec's sample pair always works")
    desk = parser.add_argument_group("desk options")
    desk.add_argument("--team", metavar="URL",
                      help="share tickets through this team database (postgresql://user@host/db; the password "
                           "from PGPASSFILE or PGPASSWORD, never in the URL)")
    desk.add_argument("--server", metavar="URL",
                      help="with --demo: use the sandbox already running at URL instead of starting one")
    desk.add_argument("--agent", metavar='"NAME <EMAIL>"',
                      help='with --demo: who this desk\'s agent is (default "Sam Agent <sam.agent@togadesk.example>"),'
                           " so two demo desks of one team are two colleagues")
    desk.add_argument("--data-dir", metavar="DIR",
                      help="keep this desk's data and settings in DIR (a second desk on one computer, portable use)")
    relay = parser.add_argument_group(
        "relay options (with --relay; keys from TOGA_PUBLIC_KEY and TOGA_SECRET_KEY, the database password from "
        "PGPASSFILE or PGPASSWORD; --host and --port give where webhooks are received)")
    relay.add_argument("--path", default="/toga/webhook", help="the webhook path (default: /toga/webhook)")
    relay.add_argument("--key-file", metavar="FILE",
                       help="read TOGA_PUBLIC_KEY=... and TOGA_SECRET_KEY=... from FILE (readable only by its owner)")
    parser.add_argument("--log-level", default=_default_log_level(), choices=LOG_LEVELS,
                        help="how much to log (default: INFO, or TOGADESK_LOG_LEVEL)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser.parse_args(argv)


def _default_log_level() -> str:
    level = os.environ.get("TOGADESK_LOG_LEVEL", "INFO").upper()
    return level if level in LOG_LEVELS else "INFO"


def _version() -> str:
    from gui import __version__

    return __version__


def _interrupt(*_: object) -> None:
    """SIGTERM stops the sandbox as cleanly as Ctrl+C does."""
    raise KeyboardInterrupt


def run_sandbox(args: argparse.Namespace) -> int:
    from gui.sandbox import SandboxServer
    from gui.sandbox.server import keys_from_env

    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    keys = keys_from_env({"TOGA_SANDBOX_KEYS": args.keys}) if args.keys else {}
    try:
        server = SandboxServer(
            args.host, args.port, db_path=args.db, keys=keys, latency_ms=args.latency_ms,
            webhook_url=args.webhook_url, clock_window=args.clock_window,
        )
    except (OSError, ValueError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or exc
        print(f"Could not start the sandbox on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 1
    server.faults.error_rate = args.error_rate
    server.faults.drop_rate = args.drop_rate
    server.faults.answer_delay_ms = args.answer_delay_ms
    # Handlers first, then the line: a client may signal us the moment it has read it.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(f"TOGa sandbox listening on {server.url}", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            server.stop()
    print("TOGa sandbox stopped.", file=sys.stderr, flush=True)
    return 0


def run_team_setup(args: argparse.Namespace) -> int:
    from gui.team import TeamError, setup_team

    try:
        lines = setup_team(args.team_setup)
    except TeamError as exc:
        print(f"Team setup failed: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


def import_non_qt_layers() -> None:
    """Imports the app's Qt-free layers the first paint needs (SQLite, the API's models) before PySide6.

    PySide6 hooks every import made after it to look for its ``__feature__`` switches, reading each
    module's source. requests, keyring and the demo's sandbox are not among them: they load after the
    first paint, when the app connects.
    """
    import gui.api
    import gui.store  # noqa: F401


def run_app(args: argparse.Namespace) -> int:
    import_non_qt_layers()
    from gui import app
    from gui.connection import SandboxFaults

    faults = SandboxFaults(args.latency_ms, args.error_rate, args.drop_rate, answer_delay_ms=args.answer_delay_ms,
                           server_url=args.server or "") if args.demo else None
    return app.run(demo=args.demo, log_level=getattr(logging, args.log_level), faults=faults,
                   team_url=args.team or "", data_folder=args.data_dir, agent=args.agent or "")


def run_smoke_test() -> int:
    import_non_qt_layers()
    from gui import smoke_test

    return smoke_test.run()


def restore_library_path(environ: MutableMapping[str, str] = os.environ) -> None:
    """The packaged app on Linux runs with LD_LIBRARY_PATH pointing into its bundle; programs it starts
    (xdg-open, the file manager, the browser) must get the system's libraries, not ours."""
    if not getattr(sys, "frozen", False) or not sys.platform.startswith("linux"):
        return
    original = environ.pop("LD_LIBRARY_PATH_ORIG", None)  # PyInstaller keeps the value it replaced here
    if original is not None:
        environ["LD_LIBRARY_PATH"] = original
    else:
        environ.pop("LD_LIBRARY_PATH", None)


def main(argv: list[str] | None = None) -> int:
    restore_library_path()  # this process has loaded what it needs; only children read it
    args = parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"--port must be between 0 and 65535, not {args.port}.", file=sys.stderr)
        return 2
    if args.sandbox:
        return run_sandbox(args)
    if args.team_setup is not None:
        return run_team_setup(args)
    import truststore

    truststore.inject_into_ssl()  # TLS checks use the OS trust store (corporate CAs)
    if args.relay:
        from gui.relay.app import run as run_relay

        return run_relay(args)
    if args.smoke_test:
        return run_smoke_test()
    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
