"""German as the registry reads it: Django's German formats (01.10.2025, 3,5), with dates
typed as TT.MM.JJJJ or as ISO (2025-10-01, what devices and exports write). Two-digit
years are not accepted: 01.10.25 could be a birth or a visit a century apart."""

DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
