"""API pages that stay fast on large tables: the page count of a result above
`registry.admin_paging.EXACT_BELOW` rows is PostgreSQL's planner estimate (`count` in
the answer says so with `count_is_estimate`), as in the admin's change lists."""

from rest_framework.pagination import PageNumberPagination

from registry.admin_paging import EXACT_BELOW, EstimatedCountPaginator


class EstimatedCountPagination(PageNumberPagination):
    django_paginator_class = EstimatedCountPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_is_estimate"] = self.page.paginator.count_is_estimate
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": f"true: count is the planner estimate ({EXACT_BELOW} rows or more)",
        }
        return schema
