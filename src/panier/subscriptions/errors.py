"""Subscription errors with stable codes."""

from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, InvalidInput, NotFound


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"
    default_message = _("This subscription does not exist.")


class SubscriptionEmpty(InvalidInput):
    code = "subscription_empty"
    default_message = _("Add at least one product to your recurring basket.")


class SubscriptionStateInvalid(Conflict):
    code = "subscription_state_invalid"
    default_message = _("This subscription cannot do that in its current state.")


class CycleNotSkippable(InvalidInput):
    code = "cycle_not_skippable"
    default_message = _("Choose one of the next deliveries of this subscription.")


class SlotPatternInvalid(InvalidInput):
    code = "slot_pattern_invalid"
    default_message = _("Choose an upcoming slot of this shop.")


class CardNotAuthorised(Conflict):
    code = "subscription_card_not_authorised"
    default_message = _("Your card was not authorised. Please try again.")
