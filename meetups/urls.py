from django.urls import path

from meetups import views

app_name = "meetups"
urlpatterns = [
    path("", views.index, name="index"),
    path("cities/", views.cities, name="cities"),
    path("propose/", views.propose, name="propose"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/ticket/", views.ticket, name="ticket"),
    path("<int:pk>/calendar.ics", views.ics, name="ics"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/draw/", views.draw_result, name="draw"),
    path("<int:pk>/draw.json", views.draw_json, name="draw_json"),
    path("<int:pk>/check-in/", views.check_in_page, name="check_in"),
    path("<int:pk>/attendees/", views.attendees, name="attendees"),
    path("mine/", views.my_meetups, name="mine"),
    path("registrations/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("registrations/<int:pk>/confirm/", views.confirm, name="confirm"),
]
