from django.urls import path

from community import views

app_name = "community"
urlpatterns = [
    path("checkin/", views.checkin_page, name="checkin"),
    path("settings/credits/", views.credits_page, name="credits"),
    path("settings/devices/", views.devices_page, name="devices"),
    path("settings/medals/", views.medals_page, name="medals"),
    path("u/<str:username>/card/", views.card, name="card"),
    path("u/<str:username>/follow/", views.follow, name="follow"),
    path("u/<str:username>/followers/", views.follow_list, {"which": "followers"}, name="followers"),
    path("u/<str:username>/following/", views.follow_list, {"which": "following"}, name="following"),
]
