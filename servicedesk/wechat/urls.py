from django.urls import path

from servicedesk.wechat import views

app_name = "wechat"
urlpatterns = [
    path("wechat/link/", views.link, name="link"),
    path("wechat/<slug:slug>/", views.webhook, name="webhook"),
    path("service-centres/", views.centres_index, name="centres"),
    path("service-centres/<slug:slug>/", views.centres_of_city, name="centres_city"),
]
