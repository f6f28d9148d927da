"""The firm's navigation: one entry per page a part of the app adds, shown to staff whose
role carries the entry's power (`firms.access.staff_may`)."""

from __future__ import annotations

from dataclasses import dataclass

from firms.access import FirmPower


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str  # a firms: URL taking the firm's slug
    power: str


FIRM_NAV: list[NavItem] = [
    # Each part adds its line here, in the order staff should see them.
    NavItem("Clients", "firms:dashboard", FirmPower.CLIENTS),
    NavItem("Add clients", "firms:clients_add", FirmPower.CLIENTS),
    NavItem("Billing", "firms:billing", FirmPower.BILLING),
    NavItem("Trail", "firms:trail", FirmPower.TRAIL_EXPORT),
    NavItem("Staff", "firms:staff", FirmPower.STAFF),
    NavItem("Settings", "firms:settings", FirmPower.SETTINGS),
    NavItem("Close the firm", "firms:close", FirmPower.CLOSE),
]
