"""Pages of long lists whose cost does not grow with the page number or the list.

`page_rows` fetches a page by a deferred join: the page's primary keys are found first,
in a subquery that reads only the sort index (an index-only scan when the index carries
the key), and only those rows are read in full and joined to what the page shows.
A plain `LIMIT 50 OFFSET 75000` reads and joins all 75,050 rows before dropping the
first 75,000.

`CappedCountPaginator` counts a list only up to `COUNT_CAP` rows: a longer one says
"more than 10,000" instead of counting every row, and its pages are numbered without a
last one (each page knows whether another follows).
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def page_rows(queryset, bottom: int, top: int):
    """Rows `bottom` to `top` (exclusive) of the ordered queryset, found by their keys
    first. Anything but a queryset is sliced as it is."""
    if not isinstance(queryset, QuerySet) or top <= bottom:
        return queryset[bottom:top]
    keys = queryset.values("pk")[bottom:top]
    return queryset.filter(pk__in=keys)


class OpenEndedPage(Page):
    """A page of a list whose length is not known exactly: it knows whether another
    page follows from the one row more that was read with it."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class KeysFirstPaginator(Paginator):
    """Pages read by their keys first (`page_rows`). Subclasses say how they count;
    while `count_is_exact` is false the count only guides the page numbers shown: any
    page number from 1 is accepted, each page reads one row more than it shows to know
    whether another follows, and no row is ever cut off at the count."""

    @property
    def count_is_exact(self) -> bool:
        return True

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            # Past the counted end, which may not be the real one.
            if self.count_is_exact or int(number) < 1:
                raise
            return int(number)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.count_is_exact:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(page_rows(self.object_list, bottom, top), number, self)
        rows = list(page_rows(self.object_list, bottom, bottom + self.per_page + 1))
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        more = len(rows) > self.per_page
        return OpenEndedPage(rows[: self.per_page], number, self, more=more)

    def get_page(self, number):
        """Like Django's, and a page number past the real end of an open-ended list
        shows the first page (its last one is not known), never an error."""
        try:
            return super().get_page(number)
        except EmptyPage:
            return self.page(1)


class CappedCountPaginator(KeysFirstPaginator):
    """Pages of `per_page` rows; the rows are counted up to `cap`, no further.

    `count` is exact when `count_is_capped` is false; otherwise the list holds more
    than `cap` rows and `count` is `cap + 1`."""

    def __init__(self, object_list, per_page, *, cap: int | None = None):
        super().__init__(object_list, per_page)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_is_exact(self) -> bool:
        return not self.count_is_capped
