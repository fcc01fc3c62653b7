"""manage.py allocate_places: the one allocator of large events' places (meetups/allocation.py).

Run exactly one per site (run.py supervises one); a second one waits on standby and takes over within a
second if the first dies.
"""

import signal

from django.core.management.base import BaseCommand

from meetups import allocation


class Command(BaseCommand):
    help = "Give large events' places in order, in batches (one allocator; others wait on standby)."

    def handle(self, *args, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
        allocation.run(stop=lambda: bool(stopping))
