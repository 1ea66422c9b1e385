"""E-mail over SMTP for taskloom: a hook, the ``EmailOperator``, and core's failure e-mails.

Usage
-----

Install ``taskloom-provider-smtp`` (``pip install "taskloom[smtp]"``), add an ``smtp``
connection, then send from a task::

    from taskloom.providers.smtp.operators.smtp import EmailOperator

    EmailOperator(task_id="notify", to="ops@example.com", subject="{{ ds }} loaded",
                  html_content="<p>run {{ run_id }} is done</p>", files=["/tmp/report.csv"])

or from code with :class:`~taskloom.providers.smtp.hooks.smtp.SmtpHook` (a context manager
that connects and logs in once) or :func:`~taskloom.providers.smtp.utils.email.send_email`.
Core's task runner sends failure and retry e-mails (operator argument ``email=``) through
``send_email`` and the ``smtp_default`` connection.

Configuration
-------------

The connection gives host, port, login and password. Extras: ``ssl`` (implicit TLS,
default port 465), ``starttls`` (upgrade before login), ``ssl_context`` (``default``
verifies the server's certificate, ``none`` does not), ``ca_file`` (a PEM file of CAs to
trust), ``from_email`` (the default sender), ``timeout`` (seconds, default 30) and
``retry_limit`` (connection attempts, default 5).

Environment variables
---------------------

``TASKLOOM_CONN_SMTP_DEFAULT`` holds the default connection as a URI or JSON, e.g.
``smtp://bot%40example.com:app-password@smtp.example.com:587?starttls=true``.
"""
