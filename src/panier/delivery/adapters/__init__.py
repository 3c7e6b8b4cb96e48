"""Outside services the delivery app talks to (the address geocoder)."""
