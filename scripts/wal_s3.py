"""PostgreSQL's archive_command and restore_command: WAL segments to and from S3-compatible storage.

    archive_command = 'python3 fancity_wal_s3.py push %p %f'
    restore_command = 'python3 fancity_wal_s3.py fetch %f %p'

PostgreSQL runs these as its own user, which may not reach the project's virtualenv, so this file uses
only the standard library (an S3 client signing with AWS Signature V4 over urllib) and is copied into
the data directory with its settings beside it (`fancity_wal_s3.json`: endpoint, region, bucket,
prefix, access_key, secret_key; scripts/backups.py writes both). Segments are gzipped (a segment that
archive_timeout closed early is mostly zeros). A push never overwrites a different segment of the
same name: that would be a second server archiving into the same place, which must fail loudly.
"""

import datetime
import gzip
import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

CONFIG = Path(__file__).with_name("fancity_wal_s3.json")


def _key(conf: dict, name: str) -> str:
    return f"{conf['prefix'].strip('/')}/wal/{name}.gz"


def s3_request(conf: dict, method: str, key: str, body: bytes = b"") -> bytes | None:
    """One signed S3 request (path-style); the response body, or None for 404."""
    endpoint = urlsplit(conf["endpoint"])
    path = "/" + quote(f"{conf['bucket']}/{key}", safe="/-_.~")
    now = datetime.datetime.now(datetime.UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": endpoint.netloc, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        [method, path, "", *(f"{name}:{headers[name]}" for name in sorted(headers)), "", signed, payload]
    )
    scope = f"{day}/{conf['region']}/s3/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signing_key = ("AWS4" + conf["secret_key"]).encode()
    for part in (day, conf["region"], "s3", "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={conf['access_key']}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
    request = urllib.request.Request(
        f"{endpoint.scheme}://{endpoint.netloc}{path}", data=body or None, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def push(conf: dict, path: str, name: str) -> None:
    data = Path(path).read_bytes()
    existing = s3_request(conf, "GET", _key(conf, name))
    if existing is not None:
        if gzip.decompress(existing) == data:
            return  # archived before, and PostgreSQL did not hear: the same segment, nothing to do
        sys.exit(f"{name} is already archived with different contents: is another server archiving here?")
    s3_request(conf, "PUT", _key(conf, name), gzip.compress(data, compresslevel=1))


def fetch(conf: dict, name: str, path: str) -> None:
    data = s3_request(conf, "GET", _key(conf, name))
    if data is None:
        sys.exit(1)  # not archived (yet): recovery has reached the end of the archive
    Path(path).write_bytes(gzip.decompress(data))


def main() -> None:
    conf = json.loads(CONFIG.read_text())
    command, first, second = sys.argv[1:4]
    if command == "push":
        push(conf, first, second)
    elif command == "fetch":
        fetch(conf, first, second)
    else:
        sys.exit(f"unknown command {command!r}: push %p %f, or fetch %f %p")


if __name__ == "__main__":
    main()
