from django.core.management.base import BaseCommand

from demo import accounts as accounts_demo
from demo import forum as forum_demo
from demo import meetups as meetups_demo
from demo import servicedesk as servicedesk_demo
from demo import wechat as wechat_demo


class Command(BaseCommand):
    help = "Load demo fans, boards and meetups (safe to run again: it keeps what is there)."

    def handle(self, *args, **options):
        lines = accounts_demo.load()
        lines += forum_demo.load()
        lines += meetups_demo.load()
        lines += servicedesk_demo.load()
        lines += wechat_demo.load()
        self.stdout.write(self.style.SUCCESS("Demo data ready.\n" + "\n".join(lines)))
