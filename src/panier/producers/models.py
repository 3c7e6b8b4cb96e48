from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub, VatRegime


class Producer(models.Model):
    """A farm, workshop or artisan whose goods a hub sells."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="producers")
    slug = models.SlugField()
    name = models.CharField(_("name"), max_length=100)
    legal_name = models.CharField(_("legal name"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    vat_regime = models.CharField(
        _("VAT regime"), max_length=20, choices=VatRegime.choices, default=VatRegime.NORMAL
    )
    oss_destination_option = models.BooleanField(
        _("tax EU distance sales at destination from the first euro"),
        default=False,
        help_text=_(
            "The option of art. 59c(3) of the VAT directive (CGI art. 259 D): sales to consumers in other "
            "member states are taxed at their rates even below the EUR 10,000 threshold, for at least "
            "two calendar years."
        ),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "slug"], name="producer_slug_per_hub")
        ]

    def __str__(self) -> str:
        return self.name


class ProducerStaff(models.Model):
    """A user who manages a producer's products and sees its orders."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="producer_roles"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["producer", "user"], name="producerstaff_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.producer}"
