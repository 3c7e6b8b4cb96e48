from django.urls import path

from panier.subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("new/<slug:hub_slug>/", views.subscription_new, name="new"),
    path("<uuid:public_id>/", views.subscription_detail, name="detail"),
    path("<uuid:public_id>/card/", views.card_open, name="card_open"),
    path("<uuid:public_id>/card/return/", views.card_return, name="card_return"),
    path("<uuid:public_id>/skip/", views.skip, name="skip"),
    path("<uuid:public_id>/pause/", views.pause, name="pause"),
    path("<uuid:public_id>/resume/", views.resume, name="resume"),
    path("<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("<uuid:public_id>/lines/", views.lines, name="lines"),
    path("<uuid:public_id>/lines/replace/", views.lines_replace, name="lines_replace"),
    path("<uuid:public_id>/slot/", views.slot_change, name="slot"),
]
