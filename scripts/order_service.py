#!/usr/bin/env python3
"""The demo's order system: answers the WeChat channel's order-status hook (contract in
servicedesk/README.md) for a few made-up orders, so the flow can be tried end to end.

    python3 scripts/order_service.py [port]      # run.py starts it on FANCITY_ORDER_PORT (8025)

GET /orders?order=FC2026120600001 → 200 {"order", "status", "status_en", "updated"}; unknown → 404.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ORDERS = {
    "FC2026120600001": ("已下单，等待付款", "Placed, waiting for payment", "2026-12-06 09:12"),
    "FC2026120600002": ("已付款，仓库备货中", "Paid, being packed", "2026-12-06 10:40"),
    "FC2026120600003": ("已发货：顺丰 SF1234567890", "Shipped: SF Express SF1234567890", "2026-12-05 18:03"),
    "FC2026120600004": ("已签收", "Delivered", "2026-12-04 15:27"),
    "FC2026120600005": ("退款处理中", "Refund in progress", "2026-12-06 08:55"),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("order service: " + format % args + "\n")

    def do_GET(self):
        url = urlsplit(self.path)
        number = (parse_qs(url.query).get("order") or [""])[0].upper()
        if url.path != "/orders" or number not in ORDERS:
            return self._send(404, {"error": "unknown order"})
        status, status_en, updated = ORDERS[number]
        return self._send(200, {"order": number, "status": status, "status_en": status_en, "updated": updated})

    def _send(self, code: int, data: dict) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8025
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
