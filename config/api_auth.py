"""API authentication and rate limits: tokens that expire, and a limit on bad tokens per
client address, so tokens cannot be guessed at speed."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

BAD_TOKEN_WINDOW_S = 60


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, plus: a token older than API_TOKEN_TTL_HOURS is
    refused (0 = never expires), and an address that sent API_BAD_TOKEN_LIMIT bad tokens
    within a minute gets 429 until the minute has passed."""

    def authenticate(self, request):
        key = f"api-bad-token:{_client_address(request)}"
        if cache.get(key, 0) >= settings.API_BAD_TOKEN_LIMIT:
            raise exceptions.Throttled(
                wait=BAD_TOKEN_WINDOW_S,
                detail=gettext("Too many invalid tokens from this address; try again in a minute."),
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if cache.add(key, 1, BAD_TOKEN_WINDOW_S) is False:
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, BAD_TOKEN_WINDOW_S)
            raise

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        hours = settings.API_TOKEN_TTL_HOURS
        if hours and token.created < timezone.now() - datetime.timedelta(hours=hours):
            raise exceptions.AuthenticationFailed(
                gettext("Token expired (tokens are valid for %(hours)s hours); ask for a new one.")
                % {"hours": f"{hours:g}"}
            )
        return user, token


class UserRate(UserRateThrottle):
    """Requests per signed-in user (API_RATE_USER, e.g. "1000/hour"); read per request
    so the setting can change without a restart of the class."""

    def get_rate(self):
        return settings.API_RATE_USER


class AnonRate(AnonRateThrottle):
    def get_rate(self):
        return settings.API_RATE_ANON
