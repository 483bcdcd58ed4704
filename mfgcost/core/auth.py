"""Getting an API token: ``POST /api/auth/token/`` with a username and password.

Staff and vendors' users alike exchange their login for their token (made on first use, the
same token afterwards); every other call sends it as ``Authorization: Token <key>``. See
``docs/api.md``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

TOKEN_RESPONSE = inline_serializer("AuthToken", fields={"token": serializers.CharField()})


class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for the user's API token (made on first use).

    Send the token on every other request as ``Authorization: Token <key>``. A vendor's user
    gets its token the same way and reaches only ``/api/subcontracting/vendor/``.
    """

    # Open to anyone (the credentials are the body); no session, so no CSRF token either.
    authentication_classes = ()
    # Wrong credentials are a 400 naming no field; nothing here conflicts or is replayed.
    schema_error_codes = ("400", "415")

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={200: TOKEN_RESPONSE},
        examples=[
            OpenApiExample(
                "Login", value={"username": "buyer", "password": "s3cret-pa55"}, request_only=True
            ),
            OpenApiExample(
                "Token",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                response_only=True,
                status_codes=["200"],
            ),
        ],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
