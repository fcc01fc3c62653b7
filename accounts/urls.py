from django.urls import path

from accounts import views

urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/delete/", views.delete_page, name="delete_account"),
    path("settings/export.json", views.export_data, name="export_data"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
