"""Country groups every scenario may name without defining them (a scenario's own [groups] take precedence).

Members as of 2025: EU27 (the Union's 27 member states, as listed in tariff-rate-tracker config/policy_params.yaml
eu27_codes), ASEAN (the ten member states of the ASEAN Charter), USMCA (the two partners of the United States).
"""

from __future__ import annotations

STANDARD_GROUPS: dict[str, tuple[str, ...]] = {
    "EU27": ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL", "ITA",
             "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE"),
    "ASEAN": ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"),
    "USMCA": ("CAN", "MEX"),
}
