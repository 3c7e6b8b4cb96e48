"""Account pages (under /accounts/). The views live in ``web`` because
logging in merges the session baskets, and ``cart`` is above ``accounts``."""

from django.urls import path

from panier.web import views_accounts as views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("orders/", views.my_orders, name="orders"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_enrol, name="two_factor_enrol"),
    path("security/", views.security, name="security"),
    path("security/recovery-codes/", views.recovery_codes_renew, name="recovery_codes_renew"),
    path("security/two-factor-off/", views.two_factor_off, name="two_factor_off"),
]
