"""Landing page, tutor search (filters live in the URL) and public tutor profiles."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

from tutorhub.services.accounts.display_currency import set_display_currency
from tutorhub.services.booking import policy
from tutorhub.services.currency import CURRENCIES, MoneyInputError, load_rates, parse_major_units
from tutorhub.services.errors import DomainError, InvalidInput, NotFound
from tutorhub.services.live_hints import slots_channel
from tutorhub.services.paging import page_number
from tutorhub.services.scheduling import slot_weeks
from tutorhub.services.tutors import search
from tutorhub.services.tutors.intro_video import intro_video_embed, video_host
from tutorhub.services.tutors.top_rated import top_rated_tutors
from tutorhub.services.validation import fail, fail_fields
from tutorhub.settings import get_settings
from tutorhub.state import live
from tutorhub.state.base import DETECT_BROWSER_JS, AppState, form_text
from tutorhub.state.growth.analytics_consent import track
from tutorhub.state.tutors.views import (
    MODE_LABELS,
    SubjectGradesView,
    TutorCardView,
    card_view,
    initials,
    rate_texts,
    rating_text,
    subject_views,
)

FILTERS = ("subject", "grade", "mode", "max_price", "currency", "city", "language", "min_rating", "radius_km")
ORDER_KEYS = ("sort",)  # match (default) | price | rating | next_free: an order, not a filter
# "Free in my preferred times": `free=1` uses the signed-in student's saved windows; `windows`
# (JSON, with `windows_tz` and `duration`) gives windows in the URL itself, for anyone.
FREE_KEYS = ("free", "windows", "windows_tz", "duration")
FREE_LIMITS = {"free": 1, "windows": 4000, "windows_tz": 64, "duration": 4}
ANY = "any"


def search_href(params: dict[str, str], page: int = 1) -> str:
    """The shareable URL of a search: only non-empty filters, page only when past the first."""
    query = {k: v for k, v in params.items() if v and v != ANY}
    if page > 1:
        query["page"] = str(page)
    return "/tutors" + (f"?{urlencode(query)}" if query else "")


class HomeState(AppState):
    top_tutors: list[TutorCardView] = []
    loading: bool = True
    _anonymous: bool = True
    _shown_currency: str = ""

    async def load(self):
        self.loading = True
        await self._read()
        if self._anonymous and not self.browser_locale and (self.currency_pick or "").upper() not in CURRENCIES:
            # A first visit: ask the browser's language now (see SearchState.load).
            return rx.call_script(DETECT_BROWSER_JS, callback=HomeState.use_browser_hints)
        return None

    async def _read(self) -> None:
        try:
            found, display, rates, self._anonymous = await self._db(
                lambda s, actor: (top_rated_tutors(s, limit=6), self._currency_for(actor), load_rates(s),
                                  actor is None),
                read_only=True)
        except DomainError:
            found, display, rates = [], "", None
        self.top_tutors = [card_view(c, display, rates) for c in found]
        self._shown_currency = display
        self.loading = False

    async def use_browser_hints(self, hints: Any):
        """Callback of the detection script: a signed-out visitor's prices in the guessed currency."""
        self._take_browser_hints(hints)
        if self._anonymous and self._currency_for(None) != self._shown_currency:
            await self._read()

    def find(self, form: dict):
        """Landing search box → the shareable search URL."""
        params = {"subject": form_text(form, "subject", 60).strip(), "city": form_text(form, "city", 80).strip()}
        return rx.redirect(search_href(params))


class SearchState(AppState):
    loading: bool = True
    results: list[TutorCardView] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    errors: dict[str, str] = {}
    form_key: int = 0
    filters_open: bool = False
    # Current filters (from the URL), used to prefill the filter form and build page links.
    subject: str = ""
    grade: str = ""
    mode: str = ""
    max_price: str = ""
    currency: str = ""
    city: str = ""
    language: str = ""
    min_rating: str = ""
    radius_km: str = ""
    sort: str = ""
    place_note: str = ""  # "Within 25 km of Bengaluru, India" / unknown place with suggestions
    ranked_for: str = ""  # a signed-in student's profile the order was weighed by ("Physics · up to €30.00/h")
    # "Free in my preferred times (next 14 days)", from the URL.
    free: str = ""
    windows: str = ""
    windows_tz: str = ""
    duration: str = ""
    has_saved_windows: bool = False
    free_note: str = ""
    shown_currency: str = "USD"  # prices and the max price are in this currency (the viewer's)
    _anonymous: bool = True  # the last search was a signed-out visitor's (its currency is a guess)
    _live_key: str = ""
    _live_mark: int = 0  # live.mark() taken before the page read its data (no lost hints)

    def _params(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in (*FILTERS, *ORDER_KEYS, *FREE_KEYS)}

    # The filters are read by name in _params, so the dependencies are listed explicitly.
    @rx.var(deps=[*FILTERS, *ORDER_KEYS, *FREE_KEYS, "page", "pages"], auto_deps=False)
    def prev_href(self) -> str:
        return search_href(self._params(), self.page - 1) if self.page > 1 else ""

    @rx.var(deps=[*FILTERS, *ORDER_KEYS, *FREE_KEYS, "page", "pages"], auto_deps=False)
    def next_href(self) -> str:
        return search_href(self._params(), self.page + 1) if self.page < self.pages else ""

    @rx.var
    def free_on(self) -> bool:
        return self.free == "1" or self.windows != ""

    @rx.var(deps=list(FILTERS), auto_deps=False)
    def active_filters(self) -> int:
        return sum(1 for key in FILTERS if getattr(self, key) not in ("", ANY))

    async def load(self):
        query = self.router.url.query_parameters
        for key in (*FILTERS, *ORDER_KEYS):
            setattr(self, key, str(query.get(key, ""))[:80])
        for key, limit in FREE_LIMITS.items():
            setattr(self, key, str(query.get(key, ""))[:limit])
        page = page_number(query.get("page"), text_ok=True)
        self.loading, self.errors, self.free_note = True, {}, ""
        self.form_key += 1
        yield
        self._live_mark = live.mark()
        await self._search(page)
        if self._anonymous and not self.browser_locale and (self.currency_pick or "").upper() not in CURRENCIES:
            # A first visit: the browser has not told us its language yet (the layout's detection
            # answers after this search), so ask here and redo the prices in the guessed currency.
            yield rx.call_script(DETECT_BROWSER_JS, callback=SearchState.use_browser_hints)
        if self.free_on and self.results:
            yield SearchState.watch_free

    async def use_browser_hints(self, hints: Any):
        """Callback of the detection script: keep the browser's zone and language (checked hints)
        and, for a signed-out visitor whose guessed currency changed, show the prices in it."""
        self._take_browser_hints(hints)
        if self._anonymous and self._currency_for(None) != self.shown_currency:
            await self._search(self.page, count=False)

    async def _search(self, page: int, *, count: bool = True) -> None:
        """Run the search the URL describes (page `page`) and show it (`count`: a new search for
        analytics, not the same one redone in another currency)."""
        criteria: dict[str, Any] = {k: getattr(self, k) for k in ("subject", "grade", "mode", "city", "language")}
        criteria = {k: (None if v == ANY else v) for k, v in criteria.items()}
        criteria["min_rating"] = None if self.min_rating in ("", ANY) else self.min_rating
        criteria["radius_km"] = None if self.radius_km in ("", ANY) else self.radius_km
        criteria["sort"] = None if self.sort in ("", ANY) else self.sort
        # The max price is in the viewer's display currency and compared with every tutor's converted
        # rate; "currency" only narrows to tutors charging in it when chosen (never implied).
        criteria["currency"] = None if self.currency in ("", ANY) else self.currency
        max_price = self.max_price
        per_page = get_settings().page_size
        url_free = {k: getattr(self, k) or None for k in ("windows", "windows_tz", "duration")}
        use_saved = self.free == "1" and not self.windows

        def unit(session, actor):
            display = self._currency_for(actor)
            try:  # the max price is typed in the display currency
                max_rate, bad_price = parse_major_units(max_price, display), ""
            except MoneyInputError as exc:
                max_rate, bad_price = None, str(exc)
            saved = slot_weeks.saved_window_filter(session, actor=actor)
            free = url_free if url_free["windows"] else (saved if use_saved and saved else {})
            prefs = search.preferences_of(session, actor)
            try:
                found = search.search_tutors(session, **criteria, **free, max_rate=max_rate, display_currency=display,
                                             page=page, per_page=per_page, preferences=prefs)
            except InvalidInput as exc:  # every field's error at once, the price's too
                raise fail_fields({**exc.fields, **({"max_rate": bad_price} if bad_price else {})}) from exc
            if bad_price:
                raise fail("max_rate", bad_price)
            by_match = criteria["sort"] in (None, "match")
            ranked_for = prefs.describe() if prefs is not None and by_match else ""
            return found, saved is not None, display, actor is None, ranked_for

        try:
            found, self.has_saved_windows, self.shown_currency, self._anonymous, self.ranked_for = await self._db(
                unit, read_only=True)
        except DomainError as exc:
            fields = {("max_price" if k == "max_rate" else k): v for k, v in exc.fields.items()}
            free_errors = [f"{k.replace('_', ' ')} {v}" for k, v in fields.items() if k in FREE_KEYS]
            if free_errors:
                self.free_note = "The preferred-times filter in this link is not valid: " + "; ".join(free_errors)
            self.errors = {**self.errors, **{k: v for k, v in fields.items() if k not in FREE_KEYS}}
            self.results, self.total, self.page, self.pages = [], 0, 1, 1
            self.loading, self.filters_open = False, bool(self.errors)
            return
        if use_saved and not self.has_saved_windows:
            self.free_note = "Set your preferred lesson times to use this filter."
        if self.errors:
            self.filters_open = True
        self.results = [card_view(c) for c in found.items]
        self.total, self.page, self.pages = found.total, found.page, found.pages
        if count:
            await track(self, "search", {"subject": self.subject, "grade": self.grade, "mode": self.mode,
                                         "results": found.total})
        if found.place:
            self.place_note = f"Within {self.radius_km or search.DEFAULT_RADIUS_KM} km of {found.place}"
        elif found.place_suggestions:
            self.place_note = f"We do not know \"{self.city}\"; showing tutors who typed that name. Did you mean: " \
                + "; ".join(found.place_suggestions) + "?"
        else:
            self.place_note = ""
        self.loading = False

    @rx.event(background=True)
    async def watch_free(self):
        """"Free in my preferred times" results depend on the shown tutors' free time: re-run the
        search when any of them changes (someone booked their last matching time). Ends when the
        tab leaves the page or disconnects (state/live.py)."""
        async with self:
            key, path = live.claim(self), self.router.url.path or ""
            shown = [r.id for r in self.results]
            since = self._live_mark
        while shown:
            changed = False
            channels = [slots_channel(tutor_id) for tutor_id in shown]
            async for _batch in live.watch(self, channels, lambda: live.is_current(self, key, path), since=since):
                async with self:
                    if not live.is_current(self, key, path) or not self.free_on:
                        return
                    since = live.mark()  # before the re-read: the next subscription checks it
                    await self._search(self.page)
                    now_shown = [r.id for r in self.results]
                changed = now_shown != shown
                shown = now_shown
                if changed:
                    break  # watch the tutors shown now
            if not changed:
                return

    def apply(self, form: dict):
        """Apply filters = navigate to their URL; the page's on_load runs the search."""
        params = {key: form_text(form, key, 80).strip() for key in (*FILTERS, *ORDER_KEYS)}
        params.update({key: getattr(self, key) for key in FREE_KEYS})
        self.filters_open = False
        return rx.redirect(search_href(params))

    def set_free(self, checked: Any):
        """The "free in my preferred times" switch: its state lives in the URL."""
        params = self._params()
        for key in FREE_KEYS:
            params[key] = ""
        if checked is True:
            params["free"] = "1"
        return rx.redirect(search_href(params))

    def clear(self):
        return rx.redirect("/tutors")

    async def pick_currency(self, code: Any):
        """"Show prices in": saved on the account when signed in, else kept in this browser's cookie."""
        wanted = str(code or "").upper()[:3]
        if wanted not in CURRENCIES:
            return
        try:
            await self._db(lambda s, actor: set_display_currency(s, actor=actor, currency=wanted)
                           if actor is not None else None)
        except DomainError:
            return
        self.currency_pick = wanted
        self.viewer_currency = wanted
        await self._search(self.page)

    def toggle_filters(self):
        """Show or hide the filter form on phones (display only)."""
        self.filters_open = not self.filters_open


class TutorPageState(AppState):
    status: str = "loading"
    name: str = ""
    initials: str = ""
    headline: str = ""
    bio: str = ""
    online_price: str = ""
    home_price: str = ""
    city: str = ""
    locality: str = ""
    travel_radius_km: int = 0
    modes: list[str] = []
    timezone: str = ""
    intro_video_url: str = ""
    video_embed: str = ""  # a YouTube/Vimeo player URL (services/tutors/intro_video.py); "" = plain link
    video_host: str = ""
    photo_url: str = ""  # "" = initials
    subjects: list[SubjectGradesView] = []
    languages: list[str] = []
    rating: str = ""
    rating_count: int = 0
    hours_taught: int = 0
    response_rate: int = 0
    response_text: str = ""  # "usually replies within 2 hours"
    trust_score: int = 0
    policy_text: str = ""  # the cancellation rules as the platform settings are now

    async def load(self):
        self.status = "loading"
        self.policy_text = policy.cancellation_note()
        wanted = self._route_tail()
        try:
            tutor, display, rates = await self._db(
                lambda s, actor: (search.get_public_profile(s, tutor_id=wanted), self._currency_for(actor), load_rates(s)),
                read_only=True)
        except NotFound:
            self.status = "notfound"
            return
        self.name, self.initials = tutor.full_name, initials(tutor.full_name)
        self.headline, self.bio = tutor.headline, tutor.bio
        self.online_price, self.home_price = rate_texts(tutor, display, rates)
        self.city, self.locality, self.travel_radius_km = tutor.city, tutor.locality, tutor.travel_radius_km
        self.modes = [MODE_LABELS.get(m, m) for m in tutor.modes]
        self.timezone, self.intro_video_url = tutor.timezone, tutor.intro_video_url
        self.video_embed, self.video_host = intro_video_embed(tutor.intro_video_url), video_host(tutor.intro_video_url)
        self.photo_url = tutor.photo_url
        self.subjects, self.languages = subject_views(tutor.subjects), list(tutor.languages)
        self.rating, self.rating_count = rating_text(tutor.rating_avg, tutor.rating_count), tutor.rating_count
        self.hours_taught, self.response_rate, self.trust_score = (
            tutor.hours_taught,
            tutor.response_rate,
            tutor.trust_score,
        )
        self.response_text = tutor.response_text
        self.status = "ready"
        await track(self, "view_profile")
