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

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
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


class CappedCountPage(Page):
    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class CappedCountPaginator(Paginator):
    """Pages of `per_page` rows; the rows are counted up to `cap`, no further.

    `count` is exact when `count_is_capped` is false; otherwise the list holds more
    than `cap` rows and `count` is `cap + 1`. A page is read with one row more than it
    shows, which says whether a next page exists."""

    def __init__(self, object_list, per_page, *, cap: int | None = None):
        super().__init__(object_list, per_page)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap

    def validate_number(self, number):
        if not self.count_is_capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(page_rows(self.object_list, bottom, bottom + self.per_page + 1))
        if not rows and number > 1:
            # Past the end of a list longer than the cap: get_page() falls back to the
            # last page it can name.
            raise EmptyPage(self.error_messages["no_results"])
        more = len(rows) > self.per_page
        return CappedCountPage(rows[: self.per_page], number, self, more=more)
