"""The WeChat keys staff enter in the admin, stored encrypted (Fernet: AES-128-CBC with an HMAC).

The encryption key is `WECHAT_FIELD_KEY` (any string) or, when unset, derived from `SECRET_KEY`: a
database dump alone never holds a usable token, AES key or app secret. Rotating the key means
entering the secrets again in the admin (the admin says so when one cannot be read).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    secret = getattr(settings, "WECHAT_FIELD_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(f"fancity.wechat:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def unseal(sealed: str) -> str:
    """The plain text, or "" when it was sealed under another key (the admin asks for it again)."""
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
