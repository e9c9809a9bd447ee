"""The `contacta` command: serve, worker, demo, and every Django management command."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys


def _django(traffic: bool | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contacta.config.settings")
    if traffic is not None:
        os.environ["CONTACTA_TRAFFIC"] = "1" if traffic else "0"
    import django

    django.setup()


SHUTDOWN_GRACE_S = 3


def serve(host: str, port: int, traffic: bool) -> None:
    import uvicorn

    _django(traffic)
    uvicorn.run("contacta.config.asgi:application", host=host, port=port, lifespan="on",
                log_level=os.environ.get("CONTACTA_LOG_LEVEL", "warning").lower(),
                access_log=False, ws_max_size=64 * 1024, ws_ping_interval=20,
                # A restart must not wait forever on a socket whose channel-layer reader is
                # stuck (seen with channels_redis on redis-py 8): after this, cancel it.
                timeout_graceful_shutdown=SHUTDOWN_GRACE_S)


def worker() -> None:
    """Routing loop on its own (multi-node: several app servers share Redis and PostgreSQL)."""
    _django()
    from django.conf import settings

    from contacta.routing.worker import connectors_loop, routing_loop

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        jobs = [routing_loop(stop), connectors_loop(stop)]
        if settings.TRAFFIC_GENERATOR:
            from contacta.demo.traffic import traffic_loop

            jobs.append(traffic_loop(stop))
        await asyncio.gather(*jobs)

    print("contacta worker: routing every", settings.ROUTING_TICK_SECONDS, "s (Ctrl+C stops)")
    asyncio.run(main())


def smpp_binds() -> None:
    """One supervised bind per active SMPP inbox until Ctrl+C."""
    from contacta.connectors.models import Inbox, InboxKind
    from contacta.connectors.sms.smpp.adapter import supervise

    inboxes = list(Inbox.objects.filter(kind=InboxKind.SMPP, is_active=True))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await asyncio.gather(*(supervise(inbox, stop) for inbox in inboxes))

    print(f"contacta smpp: {len(inboxes)} bind(s) (Ctrl+C stops)")
    asyncio.run(main())


def demo(host: str, port: int, traffic: bool) -> None:
    import importlib.util
    import shutil

    # The phone line runs when its parts are here: the PJSUA2 wheel (x86_64, CPython <= 3.12)
    # and espeak-ng + sox for the prompts (`make test` installs them; apt-get otherwise).
    if (importlib.util.find_spec("pjsua2") and shutil.which("espeak-ng") and shutil.which("sox")
            and "CONTACTA_VOICE" not in os.environ):
        os.environ["CONTACTA_VOICE"] = "1"
    _django(traffic)
    from django.core.management import call_command

    from contacta.demo.seed import DEMO_LOGINS, demo_load

    call_command("migrate", verbosity=0)
    tenants = demo_load()
    if os.environ.get("CONTACTA_VOICE") == "1":  # the prompts, made at install as a PBX does
        from contacta.voice.prompts import generate_standard

        generate_standard([t.pk for t in tenants])
    base = f"http://{host}:{port}"
    print(f"\nContacta demo running at {base}\n")
    print(f"  Agent desktop:   {base}/agent/")
    print(f"  Supervisor:      {base}/supervisor/")
    print(f"  Admin:           {base}/admin/")
    print(f"  Customer chat:   {base}/chat/banco-andino-web/   and   {base}/chat/telnorte-web/")
    print(f"  Widget example:  <script src=\"{base}/widget.js\" data-inbox=\"telnorte-web\"></script>")
    print("\n  Logins (user / password):")
    for user, password, what in DEMO_LOGINS:
        print(f"    {user:<16} {password:<12} {what}")
    print("\n  Traffic generator:", "on (bots answer unless you sign in as that agent)"
          if traffic else "off")
    if os.environ.get("CONTACTA_VOICE") == "1":
        from contacta.demo.seed import DEMO_DID, DEMO_PASSWORD, DEMO_REGISTRAR

        sip = os.environ.get("CONTACTA_VOICE_SIP_PORT", "5070")
        print(f"  Voice: call sip:{DEMO_DID}@127.0.0.1:{sip} from a softphone (baresip, Linphone);"
              f"\n         agents register a softphone at {DEMO_REGISTRAR} as agente1..agente3"
              f" / {DEMO_PASSWORD}.")
    print("  Ctrl+C stops.\n", flush=True)
    serve(host, port, traffic)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "wfm":
        from contacta.cli_wfm import main as wfm_main

        sys.exit(wfm_main(args[1:]))
    if args and args[0] == "simulate":
        from contacta.cli_simulate import main as simulate_main

        sys.exit(simulate_main(args[1:]))
    ours = {"serve", "worker", "demo", "smtpd", "smpp", "voice", "voice-prompts"}
    if not args or args[0] in {"-h", "--help"}:
        print("usage: contacta {serve,worker,demo,wfm,simulate} [options] | <django management command>\n"
              "  serve    run the web server (and, single node, the routing loop)\n"
              "  worker   run the routing loop alone (multi-node installs)\n"
              "  smtpd    receive e-mail for the e-mail inboxes (SMTP, MX-style)\n"
              "  smpp     keep the SMPP binds of the SMS inboxes up (messages and receipts)\n"
              "  voice    run the embedded call engine (SIP/RTP) and the call controller\n"
              "  voice-prompts  generate the standard prompts (espeak-ng, sox)\n"
              "  demo     migrate, load the demo BPO and serve it with live traffic\n"
              "  wfm      Erlang B, C, A and staffing (contacta wfm --help)\n"
              "  simulate run a scenario through the routing kernel (contacta simulate --help)\n"
              "  migrate, createsuperuser, shell, ...: Django management commands")
        return
    if args[0] not in ours:
        _django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["contacta", *args])
        return
    parser = argparse.ArgumentParser(prog=f"contacta {args[0]}")
    if args[0] == "smpp":
        _django()
        smpp_binds()
        return
    if args[0] == "voice":
        _django()
        from contacta.voice.runner import main as voice_main

        voice_main()
        return
    if args[0] == "voice-prompts":
        _django()
        from contacta.tenants.models import Tenant
        from contacta.voice.prompts import generate_standard

        made = generate_standard(list(Tenant.objects.values_list("pk", flat=True)))
        print(f"contacta voice-prompts: {made} prompts ready")
        return
    if args[0] == "smtpd":
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        options = parser.parse_args(args[1:])
        _django()
        from contacta.connectors.email.smtpd import serve as smtpd_serve

        smtpd_serve(options.host, options.port)
        return
    if args[0] != "worker":
        parser.add_argument("--host", default=os.environ.get("CONTACTA_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("CONTACTA_PORT",
                                                                           "8000")))
        parser.add_argument("--no-traffic", dest="traffic", action="store_false",
                            help="do not generate demo customers and bot agents")
        parser.add_argument("--traffic", dest="traffic", action="store_true")
        parser.set_defaults(traffic=args[0] == "demo")
    options = parser.parse_args(args[1:])
    if args[0] == "serve":
        serve(options.host, options.port, options.traffic)
    elif args[0] == "demo":
        demo(options.host, options.port, options.traffic)
    else:
        worker()


if __name__ == "__main__":
    main()
