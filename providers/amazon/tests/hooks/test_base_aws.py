"""Tests of taskloom.providers.amazon.hooks.base_aws against moto's server on 127.0.0.1."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest

from taskloom.providers.amazon.exceptions import AwsConnectionError
from taskloom.providers.amazon.exceptions import AwsCredentialsError
from taskloom.providers.amazon.hooks.base_aws import AwsBaseHook
from taskloom_testing.moto import ACCESS_KEY_ID
from taskloom_testing.moto import REGION
from taskloom_testing.moto import SECRET_ACCESS_KEY
from taskloom_testing.moto import MotoServer

ROLE_ARN = "arn:aws:iam::123456789012:role/taskloom-reader"


def _iam_user(server: MotoServer) -> tuple[str, str]:
    """Create an IAM user allowed everything; return its access key id and secret key."""
    iam = boto3.client(
        "iam",
        endpoint_url=server.endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    iam.create_user(UserName="taskloom")
    iam.put_user_policy(
        UserName="taskloom",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="taskloom")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_client_from_login_and_password(aws: MotoServer) -> None:
    """login/password are the keys; region and endpoint_url come from the extras."""
    hook = AwsBaseHook(client_type="s3")
    client = hook.get_client_type()
    client.create_bucket(Bucket="from-login")
    assert [b["Name"] for b in client.list_buckets()["Buckets"]] == ["from-login"]
    assert client.meta.region_name == REGION
    assert client.meta.endpoint_url == aws.endpoint_url
    assert hook.get_session().get_credentials().access_key == ACCESS_KEY_ID


def test_keys_from_extras_and_uri_form(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys may be extras, and the URI form carries every extra as a query parameter."""
    secret = "s3cr/t+key?&="
    uri = (
        f"aws://?aws_access_key_id=AKIDEXTRA&aws_secret_access_key={quote(secret, safe='')}"
        f"&region_name=eu-west-1&endpoint_url={quote(aws.endpoint_url, safe='')}"
        "&config_kwargs="
        + quote(json.dumps({"connect_timeout": 7, "retries": {"mode": "standard"}}), safe="")
    )
    monkeypatch.setenv("TASKLOOM_CONN_AWS_URI", uri)
    hook = AwsBaseHook(aws_conn_id="aws_uri")
    credentials = hook.get_session().get_credentials()
    assert (credentials.access_key, credentials.secret_key) == ("AKIDEXTRA", secret)
    client = hook.get_client_type("s3")
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.connect_timeout == 7
    assert client.list_buckets()["Buckets"] == []


def test_region_argument_overrides_connection(aws: MotoServer) -> None:
    """A region given to the hook or the call wins over the connection's."""
    assert (
        AwsBaseHook(region_name="ap-south-1").get_client_type("s3").meta.region_name == "ap-south-1"
    )
    assert (
        AwsBaseHook().get_client_type("s3", region_name="eu-north-1").meta.region_name
        == "eu-north-1"
    )


def test_resource_type(aws: MotoServer) -> None:
    """get_resource_type returns a boto3 resource on the connection's endpoint."""
    s3 = AwsBaseHook(resource_type="s3").get_resource_type()
    s3.create_bucket(Bucket="resource-bucket")
    s3.Object("resource-bucket", "k").put(Body=b"v")
    assert s3.Object("resource-bucket", "k").get()["Body"].read() == b"v"


def test_conn_is_cached_client(aws: MotoServer) -> None:
    """hook.conn (and get_conn) is one client of the hook's client_type, made once."""
    hook = AwsBaseHook(client_type="sts")
    assert hook.conn is hook.get_conn()
    assert hook.conn.get_caller_identity()["Account"] == "123456789012"


def test_service_name_is_required() -> None:
    """Without a client_type the error says where to give one."""
    with pytest.raises(ValueError, match="client_type"):
        AwsBaseHook(aws_conn_id=None).get_client_type()
    with pytest.raises(ValueError, match="resource_type"):
        AwsBaseHook(aws_conn_id=None).get_resource_type()


def test_no_connection_uses_boto3_default_chain(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aws_conn_id=None reads boto3's own AWS_* variables, endpoint included."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-env")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    hook = AwsBaseHook(aws_conn_id=None, client_type="s3")
    assert hook.get_session().get_credentials().access_key == "AKIDFROMENV"
    assert hook.conn.meta.region_name == "eu-central-1"
    assert hook.conn.list_buckets()["Buckets"] == []


def test_profile_from_aws_config(
    aws: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """profile_name takes the keys and region from ~/.aws (here AWS_CONFIG_FILE)."""
    (tmp_path / "aws-config").write_text(
        "[profile reporting]\naws_access_key_id = AKIDPROFILE\n"
        "aws_secret_access_key = from-profile\nregion = sa-east-1\n"
    )
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_PROFILE",
        json.dumps(
            {
                "conn_type": "aws",
                "extra": {"profile_name": "reporting", "endpoint_url": aws.endpoint_url},
            }
        ),
    )
    hook = AwsBaseHook(aws_conn_id="aws_profile", client_type="s3")
    assert hook.get_session().get_credentials().access_key == "AKIDPROFILE"
    assert hook.conn.meta.region_name == "sa-east-1"
    assert hook.conn.list_buckets()["Buckets"] == []


def test_missing_profile_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile that is not configured names the connection and how to create it."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_PROFILE",
        json.dumps({"conn_type": "aws", "extra": {"profile_name": "nope"}}),
    )
    with pytest.raises(
        AwsConnectionError, match=r"'aws_profile' names AWS profile 'nope'.*aws configure"
    ) as info:
        AwsBaseHook(aws_conn_id="aws_profile").get_session()
    assert info.value.conn_id == "aws_profile"


def test_assume_role(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """role_arn is assumed through STS; clients then run as the role's session."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_ROLE",
        aws.connection_json(role_arn=ROLE_ARN, role_session_name="nightly", external_id="ext-123"),
    )
    hook = AwsBaseHook(aws_conn_id="aws_role", client_type="sts")
    identity = hook.conn.get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/taskloom-reader/nightly"
    credentials = hook.get_session().get_credentials()
    assert credentials.method == "sts-assume-role"
    assert credentials.access_key != ACCESS_KEY_ID
    s3 = hook.get_client_type("s3")
    s3.create_bucket(Bucket="as-role")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["as-role"]


def test_assumed_role_credentials_are_refreshed(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials close to expiry are fetched again from STS, so long tasks keep working."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_ROLE",
        # 15 minutes: inside botocore's refresh window from the start, so every use refreshes.
        aws.connection_json(role_arn=ROLE_ARN, assume_role_kwargs={"DurationSeconds": 900}),
    )
    credentials = AwsBaseHook(aws_conn_id="aws_role").get_session().get_credentials()
    first = credentials.get_frozen_credentials().access_key
    second = credentials.get_frozen_credentials().access_key
    assert first != second
    assert ACCESS_KEY_ID not in (first, second)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"aws_access_key_id": "AKID"}, "has an access key id but no secret access key"),
        ({"aws_secret_access_key": "only-secret"}, "has a secret access key but no access key id"),
        (
            {"region": "eu-west-1"},
            r"extra field\(s\) 'region' that the aws connection type does not know",
        ),
        ({"role_arn": "taskloom-reader"}, "role_arn must be a role ARN"),
        ({"config_kwargs": "{not json"}, "'config_kwargs' must be a JSON object"),
        ({"config_kwargs": [1, 2]}, "'config_kwargs' must be a JSON object"),
        ({"region_name": 5}, "'region_name' must be a string"),
        ({"verify": 3}, "'verify' must be true, false or a CA bundle path"),
    ],
)
def test_bad_connection_fields(
    monkeypatch: pytest.MonkeyPatch, extra: dict[str, object], message: str
) -> None:
    """Each malformed field gets an error naming the connection and the fix, without the secret."""
    monkeypatch.setenv("TASKLOOM_CONN_AWS_BAD", json.dumps({"conn_type": "aws", "extra": extra}))
    with pytest.raises(AwsConnectionError, match=message) as info:
        AwsBaseHook(aws_conn_id="aws_bad").get_session()
    assert "'aws_bad'" in str(info.value)
    assert "only-secret" not in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("false", False), ("True", True), ("/etc/ca.pem", "/etc/ca.pem"), (False, False)],
)
def test_verify_values(monkeypatch: pytest.MonkeyPatch, value: object, expected: object) -> None:
    """verify accepts booleans, their spellings in URIs, and a CA bundle path."""
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_V", json.dumps({"conn_type": "aws", "extra": {"verify": value}})
    )
    assert AwsBaseHook(aws_conn_id="aws_v").verify == expected
    assert AwsBaseHook(aws_conn_id="aws_v", verify="/other.pem").verify == "/other.pem"


def test_missing_connection_is_an_error() -> None:
    """A connection id that does not exist is reported, never replaced by other credentials."""
    from taskloom.exceptions import ConnectionNotFoundError

    with pytest.raises(ConnectionNotFoundError, match="aws_nowhere"):
        AwsBaseHook(aws_conn_id="aws_nowhere").get_session()


def test_test_connection_succeeds(aws: MotoServer) -> None:
    """test_connection asks STS who the credentials are."""
    ok, message = AwsBaseHook().test_connection()
    assert ok, message
    assert "arn:aws:" in message


def test_wrong_secret_key_is_a_clear_error(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With credential checks on, a wrong secret names the connection and the fields, never the secret."""
    key_id, secret = _iam_user(aws)
    wrong = "definitely-wrong-secret-value"
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_GOOD",
        json.dumps(
            {
                "conn_type": "aws",
                "login": key_id,
                "password": secret,
                "extra": {"region_name": REGION, "endpoint_url": aws.endpoint_url},
            }
        ),
    )
    monkeypatch.setenv(
        "TASKLOOM_CONN_AWS_WRONG",
        json.dumps(
            {
                "conn_type": "aws",
                "login": key_id,
                "password": wrong,
                "extra": {"region_name": REGION, "endpoint_url": aws.endpoint_url},
            }
        ),
    )
    with aws.authentication():
        assert (
            AwsBaseHook(aws_conn_id="aws_good", client_type="s3").conn.list_buckets()["Buckets"]
            == []
        )
        with pytest.raises(AwsCredentialsError) as info:
            AwsBaseHook(aws_conn_id="aws_wrong", client_type="s3").conn.list_buckets()
        ok, message = AwsBaseHook(aws_conn_id="aws_wrong").test_connection()
    text = str(info.value)
    assert "AWS refused the credentials of connection 'aws_wrong' when calling ListBuckets" in text
    assert "SignatureDoesNotMatch" in text
    assert "login and password" in text
    assert info.value.conn_id == "aws_wrong"
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert not ok
    assert "AWS refused the credentials of connection 'aws_wrong'" in message
    for shown in (text, message):
        assert wrong not in shown
        assert secret not in shown


def test_unknown_access_key_is_a_clear_error(aws: MotoServer) -> None:
    """An access key AWS does not know is reported as a credentials problem of the connection."""
    with (
        aws.authentication(),
        pytest.raises(AwsCredentialsError, match="InvalidAccessKeyId") as info,
    ):
        AwsBaseHook(client_type="s3").conn.list_buckets()
    assert SECRET_ACCESS_KEY not in str(info.value)


def test_credentials_error_survives_pickling(aws: MotoServer) -> None:
    """Task errors cross process boundaries: the error pickles with its message and conn id."""
    with aws.authentication(), pytest.raises(AwsCredentialsError) as info:
        AwsBaseHook(client_type="s3").conn.list_buckets()
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == str(info.value)
    assert copy.conn_id == "aws_default"
