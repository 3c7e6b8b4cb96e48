from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput, NotFound, PanierError


class SlotNotFound(NotFound):
    code = "slot_not_found"
    default_message = _("This delivery or pickup slot does not exist.")


class SlotFull(Conflict):
    code = "slot_full"
    default_message = _("This slot is full. Please choose another one.")


class CutoffPassed(Conflict):
    code = "cutoff_passed"
    default_message = _("Orders for this slot are closed. Please choose a later slot.")


class PostalCodeNotServed(InvalidInput):
    code = "postal_code_not_served"
    default_message = _("We do not deliver to this postal code. You can choose a pickup point.")


class PickupPointNotFound(NotFound):
    code = "pickup_point_not_found"
    default_message = _("This pickup point does not exist.")


class ScheduleInvalid(InvalidInput):
    code = "schedule_invalid"
    default_message = _("Generate slots for 1 to 52 weeks.")


class AddressNotServed(InvalidInput):
    code = "address_not_served"
    default_message = _(
        "This address is outside our delivery area. You can choose a pickup point."
    )


class GeocodingError(PanierError):
    code = "geocoding_error"


class GeocoderUnavailable(GeocodingError):
    code = "geocoder_unavailable"
    status = 503
    default_message = _("The address service cannot be reached: place the pin or enter coordinates by hand.")


class AddressNotFound(GeocodingError):
    code = "address_not_found"
    status = 404
    default_message = _("The address service found no match: enter coordinates by hand.")
