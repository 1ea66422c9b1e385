"""The JSON Schema of the components this runtime supports (Airbyte's names and fields).

Each component is an object whose ``type`` names it; a field that holds a component
accepts only the supported types (:func:`slot`), so a manifest using anything else fails
validation at exactly that field, with the unsupported name.  Components accept unknown
fields (Airbyte's ``$parameters`` copy parameters into them), except fields whose meaning
this runtime does not implement, which are listed as refused (:func:`refused`).
``taskloom declarative schema`` prints the document.
"""

from __future__ import annotations

from typing import Any
from typing import Final

_TEMPLATE: Final = {"type": "string"}
_STR_OR_NUM: Final = {"type": ["string", "number", "integer"]}
_MAPPING_OR_TEMPLATE: Final = {"type": ["object", "string"]}
_PATH: Final = {"type": "array", "items": {"type": "string"}}
_DURATION: Final = {"type": "string"}


def slot(*types: str) -> dict[str, Any]:
    """A field holding one component of ``types``; anything else is refused by name."""
    return {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(types)}},
        "allOf": [
            {"if": {"properties": {"type": {"const": t}}}, "then": {"$ref": f"#/definitions/{t}"}}
            for t in types
        ],
    }


def refused(why: str) -> dict[str, Any]:
    """A field this runtime does not implement: its presence is an error saying ``why``."""
    return {"not": {}, "description": why}


def component(required: tuple[str, ...] = (), **properties: dict[str, Any]) -> dict[str, Any]:
    """An object schema: its own ``type``, ``$parameters`` and the given properties."""
    return {
        "type": "object",
        "required": ["type", *required],
        "properties": {"type": {"type": "string"}, "$parameters": {"type": "object"}, **properties},
    }


AUTHENTICATORS: Final = (
    "NoAuth",
    "BearerAuthenticator",
    "BasicHttpAuthenticator",
    "ApiKeyAuthenticator",
    "OAuthAuthenticator",
    "SessionTokenAuthenticator",
)
BACKOFF_STRATEGIES: Final = (
    "ConstantBackoffStrategy",
    "ExponentialBackoffStrategy",
    "WaitTimeFromHeader",
    "WaitUntilTimeFromHeader",
)
PAGINATION_STRATEGIES: Final = ("PageIncrement", "OffsetIncrement", "CursorPagination")
PARTITION_ROUTERS: Final = ("ListPartitionRouter", "SubstreamPartitionRouter")
TRANSFORMATIONS: Final = ("AddFields", "RemoveFields", "KeysToSnakeCase", "KeysToLower")
_REQUEST_OPTION: Final = slot("RequestOption")
_CUSTOM: Final = "custom Python components (components.py) are not supported by this runtime"

DEFINITIONS: Final[dict[str, dict[str, Any]]] = {
    "DeclarativeSource": {
        **component(
            ("version", "check", "streams"),
            version={"type": "string"},
            check=slot("CheckStream"),
            streams={"type": "array", "minItems": 1, "items": slot("DeclarativeStream")},
            spec=slot("Spec"),
            definitions={"type": "object"},
            schemas={"type": "object"},
            metadata={"type": "object"},
            description={"type": "string"},
            concurrency_level={"type": "object"},
            dynamic_streams=refused("dynamic streams are not supported by this runtime"),
            api_budget=refused("api_budget is not supported by this runtime"),
        ),
        "additionalProperties": False,
    },
    "CheckStream": component(("stream_names",), stream_names=_PATH),
    "Spec": component(
        ("connection_specification",),
        connection_specification={"type": "object"},
        documentation_url={"type": "string"},
        advanced_auth={"type": "object"},
    ),
    "DeclarativeStream": component(
        ("retriever",),
        name={"type": "string"},
        primary_key={"type": ["string", "array"]},
        retriever=slot("SimpleRetriever"),
        schema_loader=slot("InlineSchemaLoader", "JsonFileSchemaLoader"),
        incremental_sync=slot("DatetimeBasedCursor"),
        transformations={"type": "array", "items": slot(*TRANSFORMATIONS)},
        state_migrations=refused(_CUSTOM),
        file_uploader=refused("file transfer streams are not supported by this runtime"),
    ),
    "SimpleRetriever": component(
        ("requester", "record_selector"),
        requester=slot("HttpRequester"),
        record_selector=slot("RecordSelector"),
        paginator=slot("DefaultPaginator", "NoPagination"),
        partition_router={
            "anyOf": [
                slot(*PARTITION_ROUTERS),
                {"type": "array", "items": slot(*PARTITION_ROUTERS)},
            ]
        },
        decoder=slot("JsonDecoder"),
        ignore_stream_slicer_parameters_on_paginated_requests={"type": "boolean"},
    ),
    "HttpRequester": component(
        url_base=_TEMPLATE,
        path=_TEMPLATE,
        url=_TEMPLATE,
        http_method={"enum": ["GET", "POST"]},
        authenticator=slot(*AUTHENTICATORS, "SelectiveAuthenticator"),
        error_handler=slot("DefaultErrorHandler", "CompositeErrorHandler"),
        request_parameters=_MAPPING_OR_TEMPLATE,
        request_headers=_MAPPING_OR_TEMPLATE,
        request_body_json=_MAPPING_OR_TEMPLATE,
        request_body_data=_MAPPING_OR_TEMPLATE,
        request_body=slot(
            "RequestBodyJsonObject", "RequestBodyUrlEncodedForm", "RequestBodyPlainText"
        ),
        use_cache={"type": "boolean"},
    ),
    "RequestBodyJsonObject": component(("value",), value={"type": ["object", "array", "string"]}),
    "RequestBodyUrlEncodedForm": component(("value",), value={"type": ["object", "string"]}),
    "RequestBodyPlainText": component(("value",), value={"type": "string"}),
    "RequestOption": component(
        ("inject_into",),
        inject_into={"enum": ["request_parameter", "header", "body_data", "body_json"]},
        field_name=_TEMPLATE,
        field_path=_PATH,
    ),
    "RequestPath": component(),
    "NoAuth": component(),
    "BearerAuthenticator": component(("api_token",), api_token=_TEMPLATE),
    "BasicHttpAuthenticator": component(("username",), username=_TEMPLATE, password=_TEMPLATE),
    "ApiKeyAuthenticator": component(
        api_token=_TEMPLATE, header=_TEMPLATE, inject_into=_REQUEST_OPTION
    ),
    "OAuthAuthenticator": component(
        ("token_refresh_endpoint",),
        token_refresh_endpoint=_TEMPLATE,
        client_id=_TEMPLATE,
        client_secret=_TEMPLATE,
        refresh_token=_TEMPLATE,
        grant_type={"type": "string"},
        scopes={"type": "array", "items": {"type": "string"}},
        access_token_name={"type": "string"},
        expires_in_name={"type": "string"},
        refresh_request_body={"type": "object"},
        refresh_request_headers={"type": "object"},
        token_expiry_date_format={"type": "string"},
        refresh_token_updater=refused("refresh_token_updater is not supported by this runtime"),
    ),
    "SelectiveAuthenticator": component(
        ("authenticator_selection_path", "authenticators"),
        authenticator_selection_path={**_PATH, "minItems": 1},
        authenticators={
            "type": "object",
            "minProperties": 1,
            "additionalProperties": slot(*AUTHENTICATORS),
        },
    ),
    "SessionTokenAuthenticator": component(
        ("login_requester", "session_token_path", "request_authentication"),
        login_requester=slot("HttpRequester"),
        session_token_path=_PATH,
        expiration_duration=_DURATION,
        request_authentication=slot(
            "SessionTokenRequestBearerAuthenticator",
            "SessionTokenRequestApiKeyAuthenticator",
            "Bearer",
            "ApiKey",
        ),
    ),
    "SessionTokenRequestBearerAuthenticator": component(),
    "SessionTokenRequestApiKeyAuthenticator": component(
        ("inject_into",), inject_into=_REQUEST_OPTION
    ),
    "Bearer": component(),
    "ApiKey": component(("inject_into",), inject_into=_REQUEST_OPTION),
    "DefaultErrorHandler": component(
        max_retries={"type": "integer", "minimum": 0},
        max_time={"type": "number"},
        backoff_strategies={"type": "array", "items": slot(*BACKOFF_STRATEGIES)},
        response_filters={"type": "array", "items": slot("HttpResponseFilter")},
    ),
    "CompositeErrorHandler": component(
        ("error_handlers",),
        error_handlers={
            "type": "array",
            "items": slot("DefaultErrorHandler", "CompositeErrorHandler"),
        },
    ),
    "HttpResponseFilter": component(
        action={
            "enum": [
                "SUCCESS",
                "FAIL",
                "RETRY",
                "IGNORE",
                "RATE_LIMITED",
                "REFRESH_TOKEN_THEN_RETRY",
            ]
        },
        http_codes={"type": "array", "items": {"type": "integer"}},
        error_message_contains={"type": "string"},
        predicate=_TEMPLATE,
        error_message=_TEMPLATE,
        failure_type={"type": "string"},
    ),
    "ConstantBackoffStrategy": component(
        ("backoff_time_in_seconds",), backoff_time_in_seconds=_STR_OR_NUM
    ),
    "ExponentialBackoffStrategy": component(factor=_STR_OR_NUM),
    "WaitTimeFromHeader": component(
        ("header",),
        header=_TEMPLATE,
        regex={"type": "string"},
        max_waiting_time_in_seconds={"type": "number"},
    ),
    "WaitUntilTimeFromHeader": component(
        ("header",), header=_TEMPLATE, regex={"type": "string"}, min_wait=_STR_OR_NUM
    ),
    "DefaultPaginator": component(
        ("pagination_strategy",),
        pagination_strategy=slot(*PAGINATION_STRATEGIES),
        page_size_option=_REQUEST_OPTION,
        page_token_option=slot("RequestOption", "RequestPath"),
    ),
    "NoPagination": component(),
    "PageIncrement": component(
        page_size=_STR_OR_NUM,
        start_from_page={"type": "integer"},
        inject_on_first_request={"type": "boolean"},
    ),
    "OffsetIncrement": component(
        page_size=_STR_OR_NUM, inject_on_first_request={"type": "boolean"}
    ),
    "CursorPagination": component(
        ("cursor_value",), cursor_value=_TEMPLATE, stop_condition=_TEMPLATE, page_size=_STR_OR_NUM
    ),
    "RecordSelector": component(
        ("extractor",),
        extractor=slot("DpathExtractor"),
        record_filter=slot("RecordFilter"),
        schema_normalization={"type": "string"},
        transform_before_filtering={"type": "boolean"},
    ),
    "DpathExtractor": component(("field_path",), field_path=_PATH),
    "RecordFilter": component(("condition",), condition=_TEMPLATE),
    "JsonDecoder": component(),
    "InlineSchemaLoader": component(schema={"type": "object"}),
    "JsonFileSchemaLoader": component(file_path=_TEMPLATE),
    "DatetimeBasedCursor": component(
        ("cursor_field", "datetime_format", "start_datetime"),
        cursor_field=_TEMPLATE,
        datetime_format={"type": "string"},
        cursor_datetime_formats={"type": "array", "items": {"type": "string"}},
        start_datetime={"anyOf": [_TEMPLATE, slot("MinMaxDatetime")]},
        end_datetime={"anyOf": [_TEMPLATE, slot("MinMaxDatetime")]},
        step=_DURATION,
        cursor_granularity=_DURATION,
        lookback_window=_TEMPLATE,
        start_time_option=_REQUEST_OPTION,
        end_time_option=_REQUEST_OPTION,
        partition_field_start={"type": "string"},
        partition_field_end={"type": "string"},
        is_client_side_incremental={"type": "boolean"},
        is_data_feed=refused("is_data_feed is not supported by this runtime"),
    ),
    "MinMaxDatetime": component(
        ("datetime",),
        datetime=_TEMPLATE,
        datetime_format={"type": "string"},
        min_datetime=_TEMPLATE,
        max_datetime=_TEMPLATE,
    ),
    "ListPartitionRouter": component(
        ("cursor_field", "values"),
        cursor_field=_TEMPLATE,
        values={"type": ["array", "string"]},
        request_option=_REQUEST_OPTION,
    ),
    "SubstreamPartitionRouter": component(
        ("parent_stream_configs",),
        parent_stream_configs={"type": "array", "minItems": 1, "items": slot("ParentStreamConfig")},
    ),
    "ParentStreamConfig": component(
        ("stream", "parent_key", "partition_field"),
        stream=slot("DeclarativeStream"),
        parent_key=_TEMPLATE,
        partition_field=_TEMPLATE,
        request_option=_REQUEST_OPTION,
        incremental_dependency={
            "const": False,
            "description": "incremental parents are not supported",
        },
    ),
    "AddFields": component(
        ("fields",), fields={"type": "array", "items": slot("AddedFieldDefinition")}
    ),
    "AddedFieldDefinition": component(("path", "value"), path=_PATH, value={}),
    "RemoveFields": component(
        ("field_pointers",),
        field_pointers={"type": "array", "items": _PATH},
        condition=_TEMPLATE,
    ),
    "KeysToSnakeCase": component(),
    "KeysToLower": component(),
}

#: Every component type this runtime supports.
SUPPORTED: Final = frozenset(DEFINITIONS)

#: The JSON Schema (draft 7) a manifest must satisfy after preprocessing.
SCHEMA: Final[dict[str, Any]] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "taskloom-declarative manifest (Airbyte declarative component format, supported subset)",
    "$ref": "#/definitions/DeclarativeSource",
    "definitions": DEFINITIONS,
}
