"""Amazon Web Services for taskloom: S3 and Secrets Manager through boto3.

Install with ``pip install taskloom-provider-amazon`` (or ``pip install "taskloom[amazon]"``).
Importing this package imports nothing else: boto3 loads when a hook is first used.

Usage
-----

Hooks::

    from taskloom.providers.amazon.hooks.s3 import S3Hook

    hook = S3Hook(aws_conn_id="aws_default")
    hook.load_string("hello", "greetings/hello.txt", bucket_name="my-bucket", replace=True)
    hook.read_key("s3://my-bucket/greetings/hello.txt")

- :mod:`taskloom.providers.amazon.hooks.base_aws` -- ``AwsBaseHook``: credentials,
  sessions, clients and resources of any AWS service, ``test_connection``;
- :mod:`taskloom.providers.amazon.hooks.s3` -- ``S3Hook``: buckets, listing with
  prefixes, delimiters and pagination, uploads, downloads, copies, deletes, wildcard keys;
- :mod:`taskloom.providers.amazon.operators.s3` -- ``S3CreateBucketOperator``,
  ``S3DeleteBucketOperator``, ``S3ListOperator``, ``S3CopyObjectOperator``,
  ``S3DeleteObjectsOperator``;
- :mod:`taskloom.providers.amazon.transfers.local_to_s3` -- ``LocalFilesystemToS3Operator``;
- :mod:`taskloom.providers.amazon.sensors.s3` -- ``S3KeySensor``;
- :mod:`taskloom.providers.amazon.secrets.secrets_manager` -- ``SecretsManagerBackend``;
- :mod:`taskloom.providers.amazon.log.s3_task_handler` -- ``S3TaskLogHandler``: task logs
  in S3 with ``[logging] remote_base_log_folder = s3://bucket/prefix`` (connection
  ``[logging] remote_log_conn_id``, default ``aws_default``), read back from any machine;
- :mod:`taskloom.providers.amazon.example_dags.example_s3` -- a DAG using all of the above.

Configuration
-------------

Connection type ``aws`` (default connection id ``aws_default``):

- login / password: access key id / secret access key (or the extras
  ``aws_access_key_id`` / ``aws_secret_access_key``); leave them out to use a profile
  or boto3's default chain (environment, ``~/.aws``, instance or container role);
- extras: ``region_name``, ``endpoint_url`` (S3-compatible stores, local endpoints),
  ``aws_session_token``, ``profile_name``, ``role_arn`` (assumed through STS and
  refreshed before it expires; with ``role_session_name``, ``external_id``,
  ``assume_role_kwargs``), ``verify`` (true, false or a CA bundle path) and
  ``config_kwargs`` (arguments of ``botocore.config.Config``). Any other extra is an error.

The password and the extras ``aws_secret_access_key``, ``aws_session_token`` and
``external_id`` are secret: they are masked in task logs and never appear in errors.

Example (URI form)::

    TASKLOOM_CONN_AWS_DEFAULT='aws://AKIAIOSFODNN7EXAMPLE:wJalr%2FK7MDENG@/?region_name=eu-west-1'

Environment variables
---------------------

- ``TASKLOOM_CONN_<ID>``: a connection, as above;
- ``TASKLOOM__SECRETS__BACKEND`` =
  ``taskloom.providers.amazon.secrets.secrets_manager.SecretsManagerBackend`` and
  ``TASKLOOM__SECRETS__BACKEND_KWARGS`` (JSON: ``connections_prefix``,
  ``variables_prefix``, ``sep``, ``region_name``, ``endpoint_url``, ``profile_name``, keys)
  make connection lookups read Secrets Manager first;
- ``TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER`` = ``s3://bucket/prefix`` and
  ``TASKLOOM__LOGGING__REMOTE_LOG_CONN_ID`` (default ``aws_default``): task logs in S3;
- the ``AWS_*`` variables boto3 reads, when a connection gives no credentials or
  ``aws_conn_id=None`` is passed.
"""
