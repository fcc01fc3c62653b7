"""A local stand-in for WeChat, written from the published protocol (not with wechatpy, which the site
uses): it signs and encrypts messages the way WeChat's servers do and posts them to the webhook over
real HTTP, decrypts and checks the passive replies, and serves the API endpoints the site's client
calls (access token, customer-service message, menu, mass messages, user info, media) on a local port.

Safe mode ("安全模式"): the message XML is wrapped as random(16) + length(4, big-endian) + XML + AppID,
PKCS#7-padded to 32 bytes, AES-256-CBC with key = base64(EncodingAESKey + "="), IV = key[:16], then
base64; msg_signature = sha1 of the sorted token, timestamp, nonce and ciphertext; signature = sha1 of
the sorted token, timestamp and nonce.
"""

import base64
import hashlib
import json
import os
import secrets
import struct
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ORIGINAL_ID = "gh_standin0001"


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def new_aes_key() -> str:
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


class Crypto:
    def __init__(self, aes_key: str, app_id: str):
        self.key = base64.b64decode(aes_key + "=")
        self.app_id = app_id

    def encrypt(self, text: str) -> str:
        body = text.encode()
        plain = os.urandom(16) + struct.pack(">I", len(body)) + body + self.app_id.encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, data: str) -> tuple[str, str]:
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(base64.b64decode(data)) + decryptor.finalize()
        plain = plain[: -plain[-1]]
        (length,) = struct.unpack(">I", plain[16:20])
        return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


def message_xml(openid: str, msg_type: str, fields: dict, create_time: int | None = None) -> str:
    """A message as WeChat's server writes it (strings in CDATA, numbers bare)."""
    parts = [
        f"<ToUserName>{cdata(ORIGINAL_ID)}</ToUserName>",
        f"<FromUserName>{cdata(openid)}</FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
        f"<MsgType>{cdata(msg_type)}</MsgType>",
    ]
    for name, value in fields.items():
        parts.append(f"<{name}>{value if isinstance(value, int | float) else cdata(str(value))}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def text(openid: str, content: str, msg_id: int | None = None) -> str:
    return message_xml(openid, "text", {"Content": content, "MsgId": msg_id or secrets.randbelow(10**18)})


def image(openid: str, msg_id: int | None = None, media_id: str = "media_1") -> str:
    return message_xml(
        openid,
        "image",
        {"PicUrl": "http://mmbiz.example/pic.jpg", "MediaId": media_id, "MsgId": msg_id or secrets.randbelow(10**18)},
    )


def location(openid: str, lat: float, lng: float, label: str = "") -> str:
    return message_xml(
        openid,
        "location",
        {"Location_X": lat, "Location_Y": lng, "Scale": 15, "Label": label, "MsgId": secrets.randbelow(10**18)},
    )


def event(openid: str, name: str, key: str = "", create_time: int | None = None) -> str:
    fields = {"Event": name}
    if key:
        fields["EventKey"] = key
    return message_xml(openid, "event", fields, create_time)


class Reply:
    def __init__(self, status: int, body: bytes, fields: dict | None):
        self.status = status
        self.body = body
        self.fields = fields or {}

    @property
    def content(self) -> str:
        return self.fields.get("Content", "")


class StandIn:
    """WeChat for one Official Account: sends messages to the webhook, serves the API."""

    def __init__(self, app_id: str = "wxstandin0000001", token: str = "standin-token", secret: str = "s3cret"):
        self.app_id, self.token, self.secret = app_id, token, secret
        self.aes_key = new_aes_key()
        self.crypto = Crypto(self.aes_key, app_id)
        self.calls: list[tuple[str, dict, dict]] = []  # (path, query, json body)
        self.refuse_openids: dict[str, int] = {}  # openid -> errcode for customer-service sends
        self.tokens: set[str] = set()
        self.profiles: dict[str, dict] = {}
        # media_id -> what `media/get` answers, in turn (the last one again after that): bytes (the file,
        # as an image/jpeg attachment), ("no length", bytes) (the same without Content-Length: the body
        # ends when the connection closes), an int (that HTTP status, no body) or a dict (WeChat's error JSON).
        # An unknown media_id gets 40007, as from WeChat (temporary media live 3 days).
        self.media: dict[str, list] = {}
        self.media_delay = 0.0  # seconds before `media/get` answers
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- the API side -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def serve_media(self, media_id: str, *answers) -> None:
        with self._lock:
            self.media[media_id] = list(answers)

    def calls_to(self, path: str) -> list[dict]:
        with self._lock:
            return [body for p, _q, body in self.calls if p == f"/cgi-bin/{path}"]

    def wait_for(self, path: str, count: int = 1, timeout: float = 30.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(path)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len(self.calls_to(path))} calls, expected {count}")

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, data: dict, status: int = 200):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; encoding=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _media(self, media_id: str):
                """`media/get` as WeChat answers it: the file itself with its type and an attachment name,
                or a JSON error with status 200."""
                with standin._lock:
                    answers = standin.media.get(media_id)
                    answer = (answers.pop(0) if len(answers) > 1 else answers[0]) if answers else None
                time.sleep(standin.media_delay)
                if answer is None:
                    return self._json({"errcode": 40007, "errmsg": "invalid media_id"})
                if isinstance(answer, dict):
                    return self._json(answer)
                if isinstance(answer, int):
                    self.send_response(answer)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                with_length = not isinstance(answer, tuple)
                if not with_length:
                    answer = answer[1]
                    self.close_connection = True
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-disposition", f'attachment; filename="{media_id}.jpg"')
                self.send_header("Cache-Control", "no-cache, must-revalidate")
                if with_length:
                    self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                for start in range(0, len(answer), 64 * 1024):
                    try:
                        self.wfile.write(answer[start : start + 64 * 1024])
                    except (BrokenPipeError, ConnectionResetError):  # the client stopped reading: fine
                        return None
                return None

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def _serve(self, method: str):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
                try:
                    body = json.loads(raw.decode()) if raw and not url.path.endswith("media/upload") else {}
                except ValueError:
                    return self._json({"errcode": 47001, "errmsg": "data format error"})
                if url.path == "/cgi-bin/token":
                    if query.get("appid") != standin.app_id or query.get("secret") != standin.secret:
                        return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                    token = secrets.token_hex(16)
                    with standin._lock:
                        standin.tokens.add(token)
                    return self._json({"access_token": token, "expires_in": 7200})
                if query.get("access_token") not in standin.tokens:
                    return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                with standin._lock:
                    standin.calls.append((url.path, query, body))
                if url.path == "/cgi-bin/message/custom/send":
                    errcode = standin.refuse_openids.get(body.get("touser", ""))
                    if errcode:
                        return self._json({"errcode": errcode, "errmsg": "response out of time limit"})
                    return self._json({"errcode": 0, "errmsg": "ok"})
                if url.path in ("/cgi-bin/menu/create", "/cgi-bin/message/mass/preview"):
                    return self._json({"errcode": 0, "errmsg": "ok"})
                if url.path == "/cgi-bin/message/mass/sendall":
                    return self._json({"errcode": 0, "errmsg": "send job submission success", "msg_id": 34182})
                if url.path == "/cgi-bin/user/info":
                    openid = query.get("openid", "")
                    return self._json({"subscribe": 1, "openid": openid, **standin.profiles.get(openid, {})})
                if url.path == "/cgi-bin/media/get":
                    return self._media(query.get("media_id", ""))
                if url.path == "/cgi-bin/media/upload":
                    return self._json({"type": "image", "media_id": "MEDIA_ID", "created_at": int(time.time())})
                return self._json({"errcode": 40004, "errmsg": "invalid api"}, 200)

        return Handler

    # --- the sending side ---------------------------------------------------------------------
    def signed_query(self, encrypted_text: str | None, timestamp: int | None = None, nonce: str | None = None,
                     openid: str = "") -> dict:  # fmt: skip
        timestamp_s = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**10))
        query = {"signature": sha1_sorted(self.token, timestamp_s, nonce), "timestamp": timestamp_s, "nonce": nonce}
        if openid:
            query["openid"] = openid
        if encrypted_text is not None:
            query["encrypt_type"] = "aes"
            query["msg_signature"] = sha1_sorted(self.token, timestamp_s, nonce, encrypted_text)
        return query

    def envelope(self, xml: str, **signing) -> tuple[dict, bytes]:
        """The query string and body WeChat posts for `xml` in safe mode."""
        encrypted = self.crypto.encrypt(xml)
        body = f"<xml><ToUserName>{cdata(ORIGINAL_ID)}</ToUserName><Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return self.signed_query(encrypted, **signing), body.encode()

    def post(self, webhook: str, xml: str, **signing) -> Reply:
        query, body = self.envelope(xml, **signing)
        return self.post_raw(webhook, query, body)

    def post_raw(self, webhook: str, query: dict, body: bytes, method: str = "POST") -> Reply:
        url = f"{webhook}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(
            url, data=body if method == "POST" else None, method=method, headers={"Content-Type": "text/xml"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), None)
        return Reply(status, data, self.open_reply(data, query))

    def open_reply(self, data: bytes, query: dict) -> dict | None:
        """A passive reply: checked and decrypted as WeChat does (None for "success" or an empty body)."""
        if not data.strip().startswith(b"<xml>"):
            return None
        outer = {child.tag: child.text or "" for child in ET.fromstring(data)}
        if "Encrypt" not in outer:
            return outer
        expected = sha1_sorted(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        assert outer["MsgSignature"] == expected, "reply signature does not verify"
        xml, app_id = self.crypto.decrypt(outer["Encrypt"])
        assert app_id == self.app_id, app_id
        return {child.tag: child.text or "" for child in ET.fromstring(xml)}
