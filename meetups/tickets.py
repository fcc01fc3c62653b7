"""Ticket tokens: the QR code holds a signed token; the door also accepts the short typed code."""

from django.core import signing

SALT = "meetups.ticket"


def ticket_token(registration) -> str:
    """Signed (not encrypted) `{"r": registration id, "c": ticket code}`.

    The code changes whenever a fan registers again after cancelling, so an old ticket stops working.
    """
    return signing.dumps({"r": registration.pk, "c": registration.ticket_code}, salt=SALT)


def read_ticket(text: str) -> tuple[int | None, str] | None:
    """(registration id or None, ticket code) from a scanned token or a typed code; None if forged."""
    text = (text or "").strip()
    if not text:
        return None
    if ":" in text:
        try:
            data = signing.loads(text, salt=SALT)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("c"), str):
            return None
        return data["r"], data["c"]
    code = "".join(text.split()).upper()
    if not code.isalnum() or len(code) > 12:
        return None
    return None, code
