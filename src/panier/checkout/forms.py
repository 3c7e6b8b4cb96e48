"""Checkout forms: where and when (step 1), then the order itself (step 2).

Step 1 checks what can be checked early (postal code served, slot of the
right kind at this hub and still open, pickup point of this hub) so the
customer hears about it before the recap; placing the order checks it all
again under locks.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from panier.checkout.selectors import checkout_slot_get
from panier.checkout.services import (
    VIES_REFUSED,
    checkout_address_locate,
    checkout_company_clean,
    checkout_vat_number_check,
    phone_number_parse,
)
from panier.core.errors import Conflict, PanierError
from panier.delivery.errors import PickupPointNotFound
from panier.delivery.models import PickupPoint, SlotKind
from panier.delivery.selectors import zone_for_address
from panier.hubs.models import Hub
from panier.orders.models import Fulfilment
from panier.tax.vat_numbers import VatNumberCheck, ViesStatus

#: Fields kept in the session between step 1 and step 2.
STORED_FIELDS = (
    "fulfilment",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "delivery_notes",
    "email",
    "first_name",
    "last_name",
    "phone",
)


class FixedChoiceField(forms.ChoiceField):
    """A choice field whose choices are a constant of this module, never changed per form.

    Every form copies its fields deeply, and a choice field's copy walks
    its whole list of choices (27 countries, twice, on each checkout
    step). The list is shared instead; the rest is copied as Django does.
    """

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result


def _int_or_none(raw: object) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


class DetailsForm(forms.Form):
    """Step 1: fulfilment, address or pickup point, slot, contact."""

    fulfilment = FixedChoiceField(
        label=_("How do you want to receive your order?"),
        choices=Fulfilment.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose home delivery or pickup.")},
    )
    address_line1 = forms.CharField(label=_("Street address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address (continued)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    delivery_notes = forms.CharField(
        label=_("Delivery notes (door code, floor…)"), max_length=300, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    pickup_point = forms.CharField(label=_("Pickup point"), required=False)
    slot = forms.CharField(
        label=_("Slot"), error_messages={"required": _("Please choose a delivery or pickup slot.")}
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32)

    def __init__(self, *args, hub: Hub, pickup_points: list[PickupPoint], now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.pickup_points = {p.pk: p for p in pickup_points}
        self.now = now
        #: HTTP status for a refused form: 409 when the slot filled up or
        #: closed meanwhile, 400 for input errors.
        self.status = 400
        self.slot_obj = None
        self.zone = None
        self.point = None  # the delivery address on the map, when the address service located it
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["phone"].widget.attrs.update(autocomplete="tel", type="tel")
        self.fields["address_line1"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["address_line2"].widget.attrs["autocomplete"] = "address-line2"
        self.fields["postal_code"].widget.attrs.update(autocomplete="postal-code", inputmode="numeric")
        self.fields["city"].widget.attrs["autocomplete"] = "address-level2"

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        # The delivery country is chosen beside this form (company part).
        country = str(self.data.get("country", ""))[:2]
        if phone_number_parse(raw, (country, self.hub.country)) is None:
            raise forms.ValidationError(_("Please enter a valid phone number."))
        return raw.strip()

    def _refuse(self, exc: PanierError, field: str | None = None) -> None:
        self.add_error(field or exc.field or None, exc.message)
        if isinstance(exc, Conflict):
            self.status = 409

    def clean(self) -> dict:
        data = super().clean()
        fulfilment = data.get("fulfilment")
        if fulfilment == Fulfilment.DELIVERY:
            for name, message in (
                ("address_line1", _("Please enter your street address.")),
                ("city", _("Please enter your city.")),
            ):
                if not (data.get(name) or "").strip():
                    self.add_error(name, message)
            # Polygon and radius zones need the address's coordinates: ask
            # the address service (no transaction is open in this step).
            self.point = checkout_address_locate(
                hub=self.hub,
                address_line1=data.get("address_line1") or "",
                postal_code=data.get("postal_code") or "",
                city=data.get("city") or "",
            )
            try:
                self.zone = zone_for_address(
                    hub=self.hub,
                    postal_code=data.get("postal_code") or "",
                    latitude=self.point.lat if self.point else None,
                    longitude=self.point.lon if self.point else None,
                )
            except PanierError as exc:
                self._refuse(exc, "postal_code")
        point = None
        if fulfilment == Fulfilment.PICKUP and (data.get("pickup_point") or "").strip():
            point = self.pickup_points.get(_int_or_none(data.get("pickup_point")))
            if point is None:
                self._refuse(PickupPointNotFound(), "pickup_point")
                return data
        if "slot" not in data or fulfilment not in (Fulfilment.DELIVERY, Fulfilment.PICKUP):
            return data
        slot_id = _int_or_none(data["slot"])
        if slot_id is None:
            self.add_error("slot", _("Please choose one of the slots offered."))
            return data
        try:
            slot = checkout_slot_get(hub=self.hub, slot_id=slot_id, now=self.now)
        except PanierError as exc:
            self._refuse(exc, "slot")
            return data
        expected = SlotKind.DELIVERY if fulfilment == Fulfilment.DELIVERY else SlotKind.PICKUP
        if slot.kind != expected:
            message = (
                _("Please choose a home delivery slot, or choose pickup.")
                if expected == SlotKind.DELIVERY
                else _("Please choose a pickup slot, or choose home delivery.")
            )
            self.add_error("slot", message)
            return data
        if expected == SlotKind.PICKUP:
            if slot.pickup_point_id not in self.pickup_points:
                self._refuse(PickupPointNotFound(), "slot")
                return data
            if point is not None and slot.pickup_point_id != point.pk:
                self.add_error("slot", _("This slot is not at the chosen pickup point."))
                return data
            point = slot.pickup_point
        self.slot_obj = slot
        data["pickup_point_id"] = point.pk if point is not None else None
        return data

    def stored(self) -> dict:
        """Return the choices to keep in the session (JSON-serialisable)."""
        data = {name: (self.cleaned_data.get(name) or "").strip() for name in STORED_FIELDS}
        data["slot_id"] = self.slot_obj.pk
        data["pickup_point_id"] = self.cleaned_data.get("pickup_point_id")
        data["latitude"] = self.point.lat if self.point is not None else None
        data["longitude"] = self.point.lon if self.point is not None else None
        if data["fulfilment"] != Fulfilment.DELIVERY:
            for name in ("address_line1", "address_line2", "postal_code", "city", "delivery_notes"):
                data[name] = ""
            data["latitude"] = data["longitude"] = None
        return data


#: The customer's choice when an item is missing at packing.
SUBSTITUTE = "substitute"
REFUND = "refund"


class ReviewForm(forms.Form):
    """Step 2: accept the terms, choose what happens to missing items, place the order."""

    checkout_token = forms.UUIDField(widget=forms.HiddenInput)
    accepted_terms = forms.BooleanField(
        label=_("I have read and accept the terms of sale"),
        required=False,
        widget=forms.CheckboxInput(attrs={"required": True}),
    )
    substitutions = forms.ChoiceField(
        label=_("If an item is missing when your order is prepared"),
        choices=[
            (REFUND, _("Refund the missing item")),
            (SUBSTITUTE, _("Replace it with a similar product (never at a higher price)")),
        ],
        initial=REFUND,
        required=False,
        widget=forms.RadioSelect,
    )

    def allow_substitutions(self) -> bool:
        """Only an explicit choice gives consent; anything else means refund."""
        return self.cleaned_data.get("substitutions") == SUBSTITUTE


#: The member states of the European Union (ISO 3166 codes; Greece is GR).
EU_COUNTRIES = [
    ("AT", _("Austria")),
    ("BE", _("Belgium")),
    ("BG", _("Bulgaria")),
    ("HR", _("Croatia")),
    ("CY", _("Cyprus")),
    ("CZ", _("Czechia")),
    ("DK", _("Denmark")),
    ("EE", _("Estonia")),
    ("FI", _("Finland")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("GR", _("Greece")),
    ("HU", _("Hungary")),
    ("IE", _("Ireland")),
    ("IT", _("Italy")),
    ("LV", _("Latvia")),
    ("LT", _("Lithuania")),
    ("LU", _("Luxembourg")),
    ("MT", _("Malta")),
    ("NL", _("Netherlands")),
    ("PL", _("Poland")),
    ("PT", _("Portugal")),
    ("RO", _("Romania")),
    ("SK", _("Slovakia")),
    ("SI", _("Slovenia")),
    ("ES", _("Spain")),
    ("SE", _("Sweden")),
]


def vat_check_stored(check: VatNumberCheck | None) -> dict | None:
    """The VIES answer as kept in the session between the two steps."""
    if check is None:
        return None
    return {
        "number": check.number,
        "status": check.vies_status.value,
        "checked_at": check.checked_at.isoformat() if check.checked_at else None,
        "consultation_number": check.consultation_number,
        "name": check.name,
    }


def vat_check_loaded(data: object) -> VatNumberCheck | None:
    """Rebuild the VIES answer kept in the session; None if absent or unreadable."""
    if not isinstance(data, dict):
        return None
    try:
        checked_at = datetime.fromisoformat(data["checked_at"]) if data.get("checked_at") else None
        return VatNumberCheck(
            number=str(data["number"]),
            country=str(data["number"])[:2],
            vies_status=ViesStatus(data["status"]),
            checked_at=checked_at,
            consultation_number=str(data.get("consultation_number") or ""),
            name=str(data.get("name") or ""),
        )
    except (KeyError, TypeError, ValueError):
        return None


class BuyerForm(forms.Form):
    """Step 1, continued: the delivery country and, optionally, the company bought for.

    A VAT number is checked for format and checksum here, then with VIES
    when it is configured (a network call: no transaction is open in
    this step). The answer is kept so the recap and the order use it.
    """

    country = FixedChoiceField(label=_("Country"), choices=EU_COUNTRIES, required=False)
    is_company = forms.BooleanField(label=_("I'm buying for a company"), required=False)
    company_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    company_country = FixedChoiceField(label=_("Company's country"), choices=EU_COUNTRIES, required=False)
    vat_number = forms.CharField(
        label=_("EU VAT number"),
        max_length=20,
        required=False,
        help_text=_("With the country code, e.g. BE0123456749 or DE136695976."),
    )
    company_siret = forms.CharField(label=_("SIREN or SIRET (French companies)"), max_length=20, required=False)
    company_address = forms.CharField(
        label=_("Billing address (if not the delivery address)"), max_length=300, required=False
    )

    def __init__(self, *args, hub: Hub, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.now = now
        self.vat_check: VatNumberCheck | None = None
        self.fields["country"].initial = hub.country
        self.fields["company_country"].initial = hub.country
        self.fields["company_name"].widget.attrs["autocomplete"] = "organization"

    def clean(self) -> dict:
        data = super().clean()
        data["country"] = data.get("country") or self.hub.country
        if not data.get("is_company"):
            for name in ("company_name", "company_country", "vat_number", "company_siret", "company_address"):
                data[name] = ""
            return data
        try:
            company = checkout_company_clean(
                name=data.get("company_name") or "",
                country=data.get("company_country") or "",
                vat_number=data.get("vat_number") or "",
                siret=data.get("company_siret") or "",
            )
        except PanierError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
            return data
        if not company["company_name"]:
            self.add_error("company_name", _("Please enter the company's name."))
            return data
        data.update(company_name=company["company_name"], company_country=company["company_country"])
        data.update(vat_number=company["company_vat_number"], company_siret=company["company_siret"])
        if company["company_vat_number"]:
            self.vat_check = checkout_vat_number_check(hub=self.hub, number=company["company_vat_number"], now=self.now)
            if self.vat_check.vies_status == ViesStatus.INVALID:
                self.add_error("vat_number", VIES_REFUSED)
        return data

    def stored(self) -> dict:
        """Return the buyer part to keep in the session (JSON-serialisable)."""
        data = self.cleaned_data
        return {
            "country": data["country"],
            "company_name": data["company_name"],
            "company_country": data["company_country"],
            "company_vat_number": data["vat_number"],
            "company_siret": data["company_siret"],
            "company_address": (data.get("company_address") or "").strip(),
            "vat_check": vat_check_stored(self.vat_check),
        }
