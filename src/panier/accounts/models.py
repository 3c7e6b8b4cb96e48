from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who logs in: customer, producer staff or hub operator.

    The e-mail address is the login. What a user may do comes from
    memberships (``hubs.HubStaff``, ``producers.ProducerStaff``), not
    from flags on this row; ``is_staff`` only opens the Django admin.
    """

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email_verified_at = models.DateTimeField(_("e-mail address confirmed at"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email


class Address(models.Model):
    """A delivery address in a customer's address book."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=50, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="FR")
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    def __str__(self) -> str:
        return f"{self.line1}, {self.postal_code} {self.city}"


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator app.

    Only a keyed hash of the code is stored; ``used_at`` is set by a
    conditional update, so a code works once even under concurrent use.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recoverycode_unique")
        ]

    def __str__(self) -> str:
        return f"recovery code #{self.pk} of user {self.user_id}"
