from django.urls import path

from forum import moderation_views, views, writing_views
from forum.feeds import BoardFeed

app_name = "forum"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search_page, name="search"),
    path("announcements.atom", BoardFeed(), name="announcements_feed"),
    path("b/<slug:slug>/", views.board, name="board"),
    path("b/<slug:slug>/new/", views.new_thread, name="new_thread"),
    path("b/<slug:slug>/feed.atom", BoardFeed(), name="board_feed"),
    path("b/<slug:slug>/draft/", writing_views.board_draft, name="board_draft"),
    path("t/<int:pk>/", views.thread, name="thread"),
    path("t/<int:pk>/unread/", views.first_unread, name="first_unread"),
    path("t/<int:pk>/reply/", views.reply, name="reply"),
    path("t/<int:pk>/draft/", writing_views.thread_draft, name="thread_draft"),
    path("t/<int:pk>/watch/", views.watch, name="watch"),
    path("t/<int:pk>/me-too/", views.me_too, name="me_too"),
    path("t/<int:pk>/status/", views.change_status, name="change_status"),
    path("t/<int:pk>/moderate/", moderation_views.moderate, name="moderate"),
    path("t/<int:pk>/move/", moderation_views.move, name="move"),
    path("p/<int:pk>/", views.post_link, name="post"),
    path("p/<int:pk>/edit/", views.edit, name="edit"),
    path("p/<int:pk>/versions/", writing_views.versions, name="versions"),
    path("p/<int:pk>/delete/", moderation_views.delete, name="delete"),
    path("p/<int:pk>/like/", views.like, name="like"),
    path("a/<int:pk>/", views.attachment, name="attachment"),
    path("p/<int:pk>/official/", views.official, name="official"),
    path("p/<int:pk>/report/", views.report, name="report"),
    path("p/<int:pk>/hide/", moderation_views.hide, name="hide"),
    path("p/<int:pk>/unhide/", moderation_views.unhide, name="unhide"),
    path("p/<int:pk>/warn/", moderation_views.warn, name="warn"),
    path("p/<int:pk>/ban/", moderation_views.ban, name="ban"),
    path("moderation/", moderation_views.queue, name="moderation"),
    path("moderation/log/", moderation_views.log, name="moderation_log"),
    path("moderation/reports/<int:pk>/dismiss/", moderation_views.dismiss, name="dismiss_report"),
    path("moderation/held/<int:pk>/approve/", moderation_views.approve, name="approve_held"),
    path("moderation/held/<int:pk>/reject/", moderation_views.reject, name="reject_held"),
    path("moderation/fans/<int:pk>/unban/", moderation_views.unban, name="unban"),
    path("pending/", moderation_views.pending, name="pending"),
]
