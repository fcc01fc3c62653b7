from django.core.management.base import BaseCommand

from forum.writing.posting import rerender_posts


class Command(BaseCommand):
    help = "Render every post's Markdown again with the current renderer (run once after it changes)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, batch_size: int, **options):
        changed = rerender_posts(batch_size=batch_size)
        self.stdout.write(f"{changed} posts re-rendered")
