from django.urls import path

from forum.moderation import views as moderation_views
from forum.reading import profile_views
from forum.reading import views as reading_views
from forum.reading.feeds import BoardFeed
from forum.writing import views as writing_views

app_name = "forum"
urlpatterns = [
    path("", reading_views.index, name="index"),
    path("search/", reading_views.search_page, name="search"),
    path("announcements.atom", BoardFeed(), name="announcements_feed"),
    path("b/<slug:slug>/", reading_views.board, name="board"),
    path("b/<slug:slug>/new/", writing_views.new_thread, name="new_thread"),
    path("b/<slug:slug>/feed.atom", BoardFeed(), name="board_feed"),
    path("b/<slug:slug>/draft/", writing_views.board_draft, name="board_draft"),
    path("t/<int:pk>/", reading_views.thread, name="thread"),
    path("t/<int:pk>/unread/", reading_views.first_unread, name="first_unread"),
    path("t/<int:pk>/reply/", writing_views.reply, name="reply"),
    path("t/<int:pk>/draft/", writing_views.thread_draft, name="thread_draft"),
    path("t/<int:pk>/watch/", writing_views.watch, name="watch"),
    path("t/<int:pk>/bookmark/", profile_views.bookmark, name="bookmark"),
    path("t/<int:pk>/me-too/", writing_views.me_too, name="me_too"),
    path("t/<int:pk>/status/", writing_views.change_status, name="change_status"),
    path("t/<int:pk>/moderate/", moderation_views.moderate_thread, name="moderate"),
    path("t/<int:pk>/move/", moderation_views.move, name="move"),
    path("t/<int:pk>/restore/", moderation_views.restore, name="restore_thread"),
    path("p/<int:pk>/", reading_views.post_link, name="post"),
    path("p/<int:pk>/edit/", writing_views.edit, name="edit"),
    path("p/<int:pk>/versions/", writing_views.versions, name="versions"),
    path("v/<int:pk>/hide/", writing_views.version_visibility, {"hidden": True}, name="hide_version"),
    path("v/<int:pk>/unhide/", writing_views.version_visibility, {"hidden": False}, name="unhide_version"),
    path("p/<int:pk>/delete/", moderation_views.delete, name="delete"),
    path("p/<int:pk>/like/", writing_views.like, name="like"),
    path("a/<int:pk>/", reading_views.attachment, name="attachment"),
    path("a/<int:pk>/image/", reading_views.image, name="image"),
    path("a/<int:pk>/thumb/", reading_views.image, {"thumb": True}, name="image_thumb"),
    path("p/<int:pk>/official/", writing_views.official, name="official"),
    path("p/<int:pk>/report/", writing_views.report, name="report"),
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
    path("bookmarks/", profile_views.bookmark_list, name="bookmarks"),
    path("u/<str:username>/threads/", profile_views.fan_threads, name="fan_threads"),
    path("u/<str:username>/posts/", profile_views.fan_posts, name="fan_posts"),
]
