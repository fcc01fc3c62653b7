"""Run the desk's inbound SMTP listener: fans' replies to desk mails land in their tickets."""

import os
import signal
import threading

from django.core.management.base import BaseCommand

from servicedesk.smtp import listener


class Command(BaseCommand):
    help = "Receive fans' replies to the service desk's mails over SMTP (aiosmtpd)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("DESK_SMTP_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("DESK_SMTP_PORT", "2525")))

    def handle(self, *args, host: str, port: int, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        controller = listener(host, port)
        self.stdout.write(f"Service desk SMTP listener on {host}:{port}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
