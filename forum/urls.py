from django.urls import path

from forum import views
from forum.feeds import BoardFeed

app_name = "forum"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search_page, name="search"),
    path("announcements.atom", BoardFeed(), name="announcements_feed"),
    path("b/<slug:slug>/", views.board, name="board"),
    path("b/<slug:slug>/new/", views.new_thread, name="new_thread"),
    path("b/<slug:slug>/feed.atom", BoardFeed(), name="board_feed"),
    path("t/<int:pk>/", views.thread, name="thread"),
    path("t/<int:pk>/unread/", views.first_unread, name="first_unread"),
    path("t/<int:pk>/reply/", views.reply, name="reply"),
    path("t/<int:pk>/watch/", views.watch, name="watch"),
    path("t/<int:pk>/me-too/", views.me_too, name="me_too"),
    path("t/<int:pk>/status/", views.change_status, name="change_status"),
    path("t/<int:pk>/moderate/", views.moderate, name="moderate"),
    path("p/<int:pk>/", views.post_link, name="post"),
    path("p/<int:pk>/edit/", views.edit, name="edit"),
    path("p/<int:pk>/delete/", views.delete, name="delete"),
    path("p/<int:pk>/like/", views.like, name="like"),
    path("a/<int:pk>/", views.attachment, name="attachment"),
    path("p/<int:pk>/official/", views.official, name="official"),
    path("p/<int:pk>/report/", views.report, name="report"),
    path("p/<int:pk>/hide/", views.hide, name="hide"),
    path("p/<int:pk>/ban/", views.ban, name="ban"),
]
