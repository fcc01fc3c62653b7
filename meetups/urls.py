from django.urls import path

from meetups import launch_views, views

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
    path("<int:pk>/door/list.json", views.door_list, name="door_list"),
    path("<int:pk>/door/stats.json", views.door_stats, name="door_stats"),
    path("<int:pk>/door/scan/", views.door_scan, name="door_scan"),
    path("<int:pk>/door/undo/", views.door_undo, name="door_undo"),
    path("<int:pk>/door/sync/", views.door_sync, name="door_sync"),
    path("<int:pk>/attendees/", views.attendees, name="attendees"),
    path("mine/", views.my_meetups, name="mine"),
    path("registrations/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("registrations/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("registrations/<int:pk>/transfer/", views.transfer_offer, name="transfer_offer"),
    path("transfers/<int:pk>/", views.transfer_page, name="transfer"),
    path("transfers/<int:pk>/withdraw/", views.transfer_withdraw, name="transfer_withdraw"),
    path("launches/", launch_views.launch_list, name="launches"),
    path("launches/<int:pk>/", launch_views.launch, name="launch"),
    path("launches/<int:pk>/sign-up/", launch_views.sign_up, name="launch_sign_up"),
    path("launches/<int:pk>/draw.json", launch_views.draw_json, name="launch_draw_json"),
]
