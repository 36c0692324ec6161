"""The calibrated synthetic demo cohort: a pure generator and the code that seeds it."""
