"""The desk's inbound SMTP listener (aiosmtpd): accepts mail only for reply addresses of this site and
hands each message to `servicedesk.mail_replies.receive` in a worker thread (the ORM is synchronous).

`manage.py desk_smtp` runs it; `scripts/run.py` starts it beside the web server and the Celery worker.
"""

import asyncio

from aiosmtpd.controller import Controller
from django.db import close_old_connections

from servicedesk import mail_replies

MAX_MAIL_BYTES = 2 * 1024 * 1024


def _receive(data: bytes, rcpt_tos: list[str]) -> None:
    close_old_connections()
    try:
        mail_replies.receive(data, rcpt_tos)
    finally:
        close_old_connections()


class DeskHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not mail_replies.is_reply_address(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        try:
            await asyncio.to_thread(_receive, envelope.original_content or envelope.content, list(envelope.rcpt_tos))
        except mail_replies.Refused as refused:
            return f"{refused.code} {refused.text}"
        return "250 2.0.0 Added to the conversation"


def listener(host: str, port: int) -> Controller:
    """A started listener on (host, port); call .stop() to end it."""
    controller = Controller(DeskHandler(), hostname=host, port=port, data_size_limit=MAX_MAIL_BYTES)
    controller.start()
    return controller
