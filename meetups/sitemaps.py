"""Meetups in the sitemap: the public ones (meetups.queries.visible_to for an anonymous reader)."""

from django.contrib.auth.models import AnonymousUser

from fancity.lib.sitemaps import SiteUrlSitemap
from meetups.queries import visible_meetups


class MeetupSitemap(SiteUrlSitemap):
    def items(self):
        return visible_meetups(AnonymousUser()).order_by("-starts_at", "-id")

    def lastmod(self, meetup):
        return meetup.published_at or meetup.created_at
