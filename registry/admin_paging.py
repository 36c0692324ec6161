"""Admin change lists that stay fast on large tables.

Django's change list counts the filtered rows for its page numbers, and (unless told
otherwise) counts the whole table again for "n of N". On a million gait sessions each
exact COUNT reads the whole table. Here the second count is switched off and the first
is PostgreSQL's planner estimate when that estimate is large (an exact count below
`EXACT_BELOW` rows, where it is cheap and where people notice an off-by-some). A page is
read by its keys first (`registry.paging.page_rows`), so a deep page costs little more
than the first. Each row's action checkbox is written directly, not rendered through
the form widget templates (a template render per row).
"""

from __future__ import annotations

import json

from django.contrib.admin import helpers
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

from registry.paging import KeysFirstPaginator

EXACT_BELOW = 10_000


class EstimatedCountPaginator(KeysFirstPaginator):
    """Counts by the planner's estimate above `EXACT_BELOW` rows; the estimate only
    numbers the pages (`KeysFirstPaginator`): a client following `next` reads every row
    whether the estimate is high or low."""

    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        database = getattr(queryset, "db", None)
        if database is None or connections[database].vendor != "postgresql":
            return super().count
        try:
            sql, params = queryset.order_by().query.sql_with_params()
        except EmptyResultSet:
            # `.none()` or a filter that can match nothing (a user without centres).
            return 0
        with connections[database].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        if estimate < EXACT_BELOW:
            return super().count
        self.count_is_estimate = True
        return estimate

    @property
    def count_is_exact(self) -> bool:
        _ = self.count  # counting is what finds out whether the count is an estimate
        return not self.count_is_estimate


class LargeTableAdminMixin:
    """For every change list: estimated page counts, no full-table count, and the rows'
    action checkboxes written without a template."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def action_checkbox(self, obj):
        # What Django's CheckboxInput renders for it, attribute for attribute.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )
