"""Remembering, for a few seconds, that a service did not answer, so requests skip it instead of waiting on it."""

import logging
import time

logger = logging.getLogger(__name__)


class Breaker:
    """Open for `cooldown` seconds after a failure; callers check `is_open()` and skip the service meanwhile.

    One per process and service. Once the cooldown is over the next call tries the service again, so
    recovery needs nothing but the service coming back.
    """

    def __init__(self, name: str, cooldown: float = 5.0):
        self.name = name
        self.cooldown = cooldown
        self._until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self._until

    def trip(self, error: BaseException) -> None:
        if not self.is_open():
            logger.warning("%s is down (%s); skipping it for %ss", self.name, error, self.cooldown)
        self._until = time.monotonic() + self.cooldown

    def reset(self) -> None:
        self._until = 0.0
