"""Constants of the simulator: outcomes, paths, the default catalogue, price and level settings."""

from __future__ import annotations

from mmm.names import (
    AWARENESS,
    CONVERSION,
)

#: Outcomes produced by the simulator, in order.
OUTCOMES = ("online_sales", "store_visits", "brand_search")
#: Paths of a media contribution.
PATHS = ("direct", "mediated")
_ROAS_PATHS = ("direct", "mediated", "total")
_MEDIATOR = "brand_search"
_NEAR_STORE = "near_store"
_HIGH_INTENT = ("retargeting", "vic")

_CATALOGUE_ROWS = (
    ("paid_search", "prospecting", CONVERSION, 60_000.0, "Search ads on generic queries"),
    ("paid_search", "retargeting", CONVERSION, 25_000.0, "Search ads on generic queries"),
    ("shopping_ads", "all", CONVERSION, 45_000.0, "Product listing ads"),
    ("paid_social", "prospecting", AWARENESS, 50_000.0, "Social media ads"),
    ("paid_social", "millennials", AWARENESS, 30_000.0, "Social media ads"),
    ("paid_social", _NEAR_STORE, AWARENESS, 15_000.0, "Social media ads"),
    ("programmatic_display", "retargeting", AWARENESS, 20_000.0, "Programmatic display ads"),
    ("programmatic_display", _NEAR_STORE, AWARENESS, 10_000.0, "Programmatic display ads"),
    ("online_video", "prospecting", AWARENESS, 60_000.0, "Online video ads"),
    ("email_crm", "vic", CONVERSION, 5_000.0, "E-mail to very important clients"),
    ("affiliates", "all", CONVERSION, 20_000.0, "Affiliate partners"),
)

#: Cost per thousand impressions (euros) used to derive impressions from spend.
_CPM = {
    "paid_search": 25.0,
    "shopping_ads": 15.0,
    "paid_social": 8.0,
    "programmatic_display": 4.0,
    "online_video": 12.0,
    "email_crm": 20.0,
    "affiliates": 10.0,
}
_CPM_BY_STAGE = {CONVERSION: 20.0, AWARENESS: 8.0}
_MEAN_SPEND_BY_STAGE = {CONVERSION: 30_000.0, AWARENESS: 40_000.0}

_SEARCH_LEVEL = 200_000.0  # national branded searches a week (base level)
_STORE_LEVEL = 40_000.0  # national own intercept of store visits a week
_NOISE_FRACTION = 0.05
_L_MAX = {CONVERSION: 8, AWARENESS: 13}
#: Longest lags (days) of the daily simulator's carry-over.
_L_MAX_DAYS = {CONVERSION: 28, AWARENESS: 63}
