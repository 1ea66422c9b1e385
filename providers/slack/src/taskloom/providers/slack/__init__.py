"""Slack for taskloom: post messages by incoming webhook or through the Web API.

Usage
-----

Install ``taskloom-provider-slack`` (``pip install "taskloom[slack]"``). For a webhook, add a
``slack_webhook`` connection and use
:class:`~taskloom.providers.slack.operators.slack_webhook.SlackWebhookOperator` or
:class:`~taskloom.providers.slack.hooks.slack_webhook.SlackWebhookHook`::

    from taskloom.providers.slack.operators.slack_webhook import SlackWebhookOperator

    SlackWebhookOperator(task_id="notify", message="{{ dag.dag_id }} done for {{ ds }}")

For the Web API (any method, with a bot token), add a ``slack`` connection and use
:class:`~taskloom.providers.slack.operators.slack.SlackAPIPostOperator` or
:class:`~taskloom.providers.slack.hooks.slack.SlackHook` (slack-sdk's ``WebClient``).

Configuration
-------------

``slack_webhook`` (default id ``slack_default``): the password is the webhook URL, or the
``T.../B.../...`` part after ``/services/`` (host ``hooks.slack.com`` and scheme ``https`` by
default). Posts are retried on HTTP 429 after ``Retry-After``; extras ``timeout`` and
``retry`` as for core's HTTP connections.

``slack`` (default id ``slack_api_default``): the password is the token (``xoxb-...``);
extras ``base_url``, ``timeout`` and ``rate_limit_retries``.

Tokens are secret: logs and errors show them masked.

Environment variables
---------------------

``TASKLOOM_CONN_SLACK_DEFAULT`` and ``TASKLOOM_CONN_SLACK_API_DEFAULT`` hold the default
connections as URIs or JSON, e.g. ``slack-webhook://:T000%2FB000%2FXXXX@`` and
``slack://:xoxb-your-token@``.
"""
