from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput, NotFound, PanierError
from panier.delivery.errors import AddressNotFound, GeocoderUnavailable  # noqa: F401 (the geocoders' errors, kept here too)


class RoundsError(PanierError):
    code = "rounds_error"


class BadCoordinates(InvalidInput):
    code = "bad_coordinates"
    status = 400
    default_message = _("Enter a latitude between -90 and 90 and a longitude between -180 and 180.")


class HubHasNoCoordinates(Conflict):
    code = "hub_has_no_coordinates"
    default_message = _("Set the hub's latitude and longitude first: rounds start and end at the hub.")


class NoVehicle(Conflict):
    code = "no_vehicle"
    default_message = _("Add a vehicle in service before planning rounds.")


class RoutingServerUnavailable(RoundsError):
    code = "routing_server_unavailable"
    status = 503
    default_message = _("The routing server cannot be reached.")


class StopNotFound(NotFound):
    code = "stop_not_found"
    default_message = _("This stop does not exist.")


class StopAlreadyDone(Conflict):
    code = "stop_already_done"
    default_message = _("This stop is already marked.")


class RoundNotStarted(Conflict):
    code = "round_not_started"
    default_message = _("Start the round before marking its stops.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    status = 400
    default_message = _("Say why the order could not be delivered.")


class RoundsAlreadyStarted(Conflict):
    code = "rounds_already_started"
    default_message = _("This round has started: its stops can no longer be planned again.")
