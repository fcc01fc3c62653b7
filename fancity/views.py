"""The home page: what is new for a fan at a glance."""

from django.shortcuts import render

from forum.boards import ANNOUNCEMENTS_SLUG
from forum.models import Board, Thread
from forum.reading import hot
from forum.visibility import public_thread_q
from meetups.queries import upcoming_meetups

HOME_ANNOUNCEMENTS = 5
HOME_MEETUPS = 3


def home(request):
    announcements = Thread.objects.filter(public_thread_q(), board__slug=ANNOUNCEMENTS_SLUG).order_by("-created_at")[
        :HOME_ANNOUNCEMENTS
    ]
    city_id = request.user.city_id if request.user.is_authenticated else None
    club = Board.objects.filter(city_id=city_id).select_related("city").first() if city_id else None
    return render(
        request,
        "home.html",
        {
            "announcements": announcements,
            "meetups": upcoming_meetups(request.user)[:HOME_MEETUPS],
            "club": club,
            "hot": hot.for_site(request.user),  # ranked by a beat task, read from the cache (forum/reading/hot.py)
        },
    )
