"""Command line: `python -m bot` runs the bot; see `python -m bot --help` for the rest."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import date
from typing import Literal

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("bot")

EXIT_SETTINGS = 2


async def run_bot(settings: Settings) -> None:
    """Long polling, or a webhook when BOT_WEBHOOK_URL is set, until SIGTERM or Ctrl-C."""
    from bot.channels.telegram import build_application, serve_polling
    from bot.health import HealthMonitor
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    application = build_application(runtime)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await application.initialize()
        await application.bot_data["channel"].announce(application)
        catalog = runtime.catalog.index.catalog
        log.info(
            "serving @%s: catalogue %s (version %s, %d entries), %s",
            application.bot.username,
            runtime.catalog.path,
            catalog.version,
            len(catalog.services),
            "webhook" if settings.webhook_url else "long polling",
        )
        mode: Literal["polling", "webhook"] = "webhook" if settings.webhook_url else "polling"
        monitor = HealthMonitor(runtime, mode, application.bot.username)
        if settings.webhook_url:
            await _run_webhook(application, settings, stop, monitor)
        else:
            await application.bot.delete_webhook(drop_pending_updates=False)
            log.info("polling for updates")
            await asyncio.gather(serve_polling(application, runtime, stop), monitor.run(stop))
    finally:
        await application.shutdown()
        await runtime.close()
        log.info("stopped")


async def _run_webhook(application, settings: Settings, stop: asyncio.Event, monitor) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import urlsplit

    from bot.channels.admin import purge_daily, watch_catalog
    from bot.channels.webhook import WebhookServer, set_webhook

    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    server = WebhookServer(application, urlsplit(settings.webhook_url).path, secret, monitor.status)
    await server.start(settings.webhook_listen, settings.webhook_port)
    try:
        await set_webhook(application, settings.webhook_url, secret)
        log.info("webhook listening on %s port %s", settings.webhook_listen, settings.webhook_port)
        runtime = application.bot_data["channel"].runtime
        await asyncio.gather(
            stop.wait(),
            watch_catalog(runtime, application.bot, stop),
            purge_daily(runtime, stop),
            monitor.run(stop),
        )
    finally:
        await server.stop()


async def run_console_main(settings: Settings, language: str | None) -> None:
    from bot.channels.console import run_console
    from bot.runtime import open_runtime

    runtime = await open_runtime(settings)
    try:
        await run_console(runtime, language=language)
    finally:
        await runtime.close()


def _parser(poster_options: bool = True) -> argparse.ArgumentParser:
    """The command line. `poster_options=False` skips importing the poster module (PDF and
    font libraries, a quarter of a second) when the command is not `poster`."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Triage bot for migrants and refugees in Luxembourg.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the Telegram bot (the default)")
    console = commands.add_parser("console", help="talk to the bot in this terminal")
    console.add_argument("--lang", help="start in this language, e.g. fr")
    catalog = commands.add_parser("catalog", help="work with the service catalogue")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True)
    check = catalog_commands.add_parser("check", help="validate a catalogue file and report")
    check.add_argument("file", nargs="?", help="the file (default: the bundled catalogue)")
    check.add_argument(
        "--today", type=date.fromisoformat, default=None, help="check as of this date (YYYY-MM-DD)"
    )
    check.add_argument(
        "--sources",
        default=None,
        help="folder of the source documents (default: shared/seeds beside the repository)",
    )
    _add_spreadsheet_commands(catalog_commands)
    from bot.health import add_health_arguments

    add_health_arguments(
        commands.add_parser("health", help="is the running bot healthy? (exit 0 or 1)")
    )
    from bot.share import add_link_arguments

    add_link_arguments(commands.add_parser("link", help="print a deep link to the bot"))
    poster = commands.add_parser("poster", help="make a printable A4 poster (PDF or PNG)")
    if poster_options:
        _add_poster_arguments(poster)
    return parser


def _add_spreadsheet_commands(catalog_commands: argparse._SubParsersAction) -> None:
    export = catalog_commands.add_parser(
        "export",
        help="write the catalogue as a spreadsheet (.xlsx) for staff, or as HSDS JSON (--hsds)",
    )
    imports = catalog_commands.add_parser(
        "import", help="check a spreadsheet and, when all is right, write it to the catalogue"
    )
    export.add_argument("workbook", nargs="?", help="the .xlsx file, e.g. catalogue.xlsx")
    imports.add_argument("workbook", help="the .xlsx file, e.g. catalogue.xlsx")
    for command in (export, imports):
        command.add_argument(
            "--catalog", default=None, help="the catalogue file (default: the bundled one)"
        )
    export.add_argument("--hsds", metavar="DIR", help="as Open Referral HSDS 3.0 JSON files")
    export.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    export.add_argument("--lang", default="en", help="language of the HSDS texts (default: en)")
    imports.add_argument(
        "--sources",
        default=None,
        help="folder of the source documents (default: shared/seeds beside the repository)",
    )


def _catalog_main(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.catalog.loader import bundled_catalog_path

    if args.catalog_command == "export" and (args.hsds is None) == (args.workbook is None):
        print("catalog export: give a workbook file (.xlsx) or --hsds DIR", file=sys.stderr)
        return 2
    if args.catalog_command == "export" and args.hsds:
        from bot.catalog.hsds import export_main

        return export_main(args)
    if args.catalog_command in ("export", "import"):
        from bot.catalog.spreadsheet import run_export, run_import

        catalogue = Path(args.catalog) if args.catalog else bundled_catalog_path()
        workbook = Path(args.workbook)
        if args.catalog_command == "export":
            return run_export(workbook, catalogue, sys.stdout)
        sources = Path(args.sources) if args.sources else None
        return run_import(workbook, catalogue, sys.stdout, sources)
    from bot.catalog.check import run_check

    path = Path(args.file) if args.file else None
    sources = Path(args.sources) if args.sources else None
    return run_check(path, args.today or date.today(), sys.stdout, sources)


def _add_poster_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from bot.poster import add_poster_arguments
    except ImportError:  # the poster extra is not installed
        parser.set_defaults(poster_missing=True)
        return
    add_poster_arguments(parser)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(poster_options=argv[:1] == ["poster"]).parse_args(argv)
    command = args.command or "run"
    if command == "catalog":
        return _catalog_main(args)
    if command == "health":
        from bot.health import health_main

        return health_main(args)
    if command == "link":
        from bot.share import link_main

        return link_main(args)
    if command == "poster":
        if getattr(args, "poster_missing", False):
            print("Posters need the poster extra: pip install -e '.[poster]'", file=sys.stderr)
            return 2
        from bot.poster import poster_main

        return poster_main(args)
    try:
        settings = load_settings(need_token=command == "run")
    except SettingsError as error:
        print(f"Setting error: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    from bot.runtime import StartupError

    try:
        if command == "console":
            logging.basicConfig(level=logging.WARNING)
            asyncio.run(run_console_main(settings, args.lang))
            return 0
        secrets = [s.get_secret_value() for s in (settings.token, settings.webhook_secret) if s]
        configure_logging(settings.log_level, secrets)
        asyncio.run(run_bot(settings))
    except StartupError as error:
        print(f"Start-up error: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    return 0


if __name__ == "__main__":
    sys.exit(main())
