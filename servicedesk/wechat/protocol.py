"""The webhook's door: signature, timestamp window, replay, safe-mode (AES) decryption and parsing.

Everything WeChat sends is checked here before anything else reads it; each failure is a `Refused`
with a status and a short reason the view answers with (never a 500):

- 413 a body over MAX_BODY bytes (a real message is a few kilobytes);
- 403 a bad signature, a timestamp outside WINDOW seconds of our clock, a (timestamp, nonce) pair
  already accepted (a replay), a plain message to an account that has an AES key (safe mode only);
- 400 malformed XML, XML with a DOCTYPE (entity expansion and external entities: refused before a
  parser sees it; xmltodict, which wechatpy parses with, refuses entity declarations as well), a
  message without its type or sender.

Retries: WeChat signs every delivery afresh; a retried message carries the same MsgId, which
servicedesk.wechat.inbound answers once.
"""

import dataclasses
import datetime
import time
from xml.parsers.expat import ExpatError

import xmltodict
from django.db import IntegrityError, transaction
from django.utils import timezone
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from servicedesk.wechat.models import Account, Nonce

MAX_BODY = 64 * 1024
WINDOW = 300
# WeChat shows at most 2048 bytes of a passive text reply.
MAX_REPLY_BYTES = 2048


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Envelope:
    """A checked message: its fields as WeChat named them, and how to wrap the answer."""

    fields: dict
    xml: str
    encrypted: bool
    timestamp: str
    nonce: str


def _fresh(timestamp: str) -> int:
    try:
        when = int(timestamp)
    except (TypeError, ValueError):
        raise Refused(403, "bad timestamp") from None
    if abs(time.time() - when) > WINDOW:
        raise Refused(403, "stale timestamp")
    return when


def _signed(account: Account, params) -> tuple[str, str]:
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    _fresh(timestamp)
    if not nonce or len(nonce) > 64:
        raise Refused(403, "bad nonce")
    try:
        check_signature(account.token, params.get("signature", ""), timestamp, nonce)
    except InvalidSignatureException:
        raise Refused(403, "bad signature") from None
    return timestamp, nonce


def verify_url(account: Account, params) -> str:
    """WeChat's GET when the URL is configured: the echostr back if the signature is ours."""
    _signed(account, params)
    return params.get("echostr", "")


def _no_doctype(data: bytes | str) -> None:
    head = data.lower() if isinstance(data, bytes) else data.lower().encode()
    if b"<!doctype" in head or b"<!entity" in head:
        raise Refused(400, "XML with a DOCTYPE or entities is refused")


def _parse(xml: str | bytes) -> dict:
    _no_doctype(xml)
    try:
        root = xmltodict.parse(xml)
    except (ExpatError, ValueError):
        raise Refused(400, "malformed XML") from None
    fields = root.get("xml") if isinstance(root, dict) else None
    if not isinstance(fields, dict):
        raise Refused(400, "malformed XML: no <xml> root")
    return fields


def open_post(account: Account, params, body: bytes) -> Envelope:
    """Check and open one POSTed message (the view has already bounded the body's size)."""
    if len(body) > MAX_BODY:
        raise Refused(413, "body too large")
    timestamp, nonce = _signed(account, params)
    outer = _parse(body)
    encrypted = params.get("encrypt_type", "raw") == "aes"
    if account.aes_key and not encrypted:
        raise Refused(403, "this account accepts safe-mode (encrypted) messages only")
    if encrypted:
        if not isinstance(outer.get("Encrypt"), str):
            raise Refused(400, "malformed XML: no <Encrypt>")
        try:
            crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)
            xml = crypto.decrypt_message(outer, params.get("msg_signature", ""), timestamp, nonce)
        except InvalidSignatureException:
            raise Refused(403, "bad message signature") from None
        except InvalidAppIdException:
            raise Refused(403, "message for another AppID") from None
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            raise Refused(400, "undecryptable message") from None
        fields = _parse(xml)
    else:
        xml, fields = body.decode("utf-8", "replace"), outer
    for name in ("MsgType", "FromUserName", "ToUserName"):
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            raise Refused(400, f"malformed message: no {name}")
    _not_replayed(account, int(timestamp), nonce)
    return Envelope(fields=fields, xml=xml, encrypted=encrypted, timestamp=timestamp, nonce=nonce)


def _not_replayed(account: Account, timestamp: int, nonce: str) -> None:
    try:
        with transaction.atomic():
            Nonce.objects.create(account=account, timestamp=timestamp, nonce=nonce, seen_at=timezone.now())
    except IntegrityError:
        raise Refused(403, "replayed request") from None


def prune_nonces() -> int:
    """Pairs older than the window can no longer be replayed (their timestamp is refused first)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=2 * WINDOW)
    return Nonce.objects.filter(seen_at__lt=cutoff).delete()[0]


def clip(text: str, limit: int = MAX_REPLY_BYTES) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def reply_xml(account: Account, envelope: Envelope, text: str) -> str:
    """A passive text reply to the sender, encrypted when the message was."""
    fields = envelope.fields
    reply = TextReply(source=fields["ToUserName"], target=fields["FromUserName"], content=clip(text))
    xml = reply.render()
    if envelope.encrypted:
        crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)
        return crypto.encrypt_message(xml, envelope.nonce, str(int(time.time())))
    return xml
