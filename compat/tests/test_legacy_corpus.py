"""The 1.x DAG corpus (tests/legacy_dags) runs end to end through compat, against real services.

Each file marks the lines where a deprecation warning is expected with ``# warns``; the
test runs ``taskloom dags test`` on it and compares the ``file:line`` of every warning
the CLI reports with those marks.  Then ``taskloom compat fix`` rewrites a copy, which
must run with no warning at all while compat is unreachable and
``-W error::DeprecationWarning`` is set.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from taskloom.cli import main
from taskloom_testing.dagrun import run_dags_test
from taskloom_testing.http_recorder import HttpRecorder
from taskloom_testing.http_recorder import http_recorder  # noqa: F401  (fixture)
from taskloom_testing.moto import MotoServer
from taskloom_testing.moto import moto_clean  # noqa: F401  (fixture)
from taskloom_testing.moto import moto_server  # noqa: F401  (fixture)
from taskloom_testing.postgres import PostgresServer
from taskloom_testing.postgres import postgres_server  # noqa: F401  (fixture)
from taskloom_testing.redis import RedisServer
from taskloom_testing.redis import redis_server  # noqa: F401  (fixture)
from taskloom_testing.smtp import SmtpServer
from taskloom_testing.smtp import smtp_server  # noqa: F401  (fixture)

CORPUS = Path(__file__).parent / "legacy_dags"
FILES = sorted(CORPUS.glob("legacy_*.py"))
WARNING_LINE = re.compile(
    r"^(?P<file>/\S+\.py):(?P<line>\d+): (?P<category>\w*Warning): ", re.MULTILINE
)
SLACK_TOKEN = "T0LEGACY/B0WEBHOOK/s3cretLegacyT0ken"
#: Blocks every module of taskloom-compat, as if it were uninstalled, then runs the CLI.
WITHOUT_COMPAT = """
import importlib.abc, sys
blocked = set(sys.argv[1].split(","))
class Uninstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in blocked or name.split(".")[0] == "taskloom_compat":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Uninstalled())
from taskloom.cli import main
sys.exit(main(sys.argv[2:]))
"""


def expected_lines(path: Path) -> set[int]:
    return {
        n
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if line.rstrip().endswith("# warns")
    }


def dag_id(path: Path) -> str:
    """The id given as the first argument of the file's ``DAG(...)`` call."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("DAG") and node.args:
            return str(ast.literal_eval(node.args[0]))
    raise AssertionError(f"{path.name} names no DAG id")


@pytest.fixture
def services(
    tmp_path: Path,
    postgres_server: PostgresServer,  # noqa: F811
    redis_server: RedisServer,  # noqa: F811
    moto_clean: MotoServer,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
    http_recorder: HttpRecorder,  # noqa: F811
) -> dict[str, str]:
    """The environment of a DAG run: a fresh TASKLOOM_HOME and a connection to every service."""
    smtp_server.clear()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TASKLOOM") or k.startswith("TASKLOOM_TEST_")
    }
    env.update(
        {
            "TASKLOOM_HOME": str(tmp_path / "home"),
            "TASKLOOM_CONN_SQLITE_DEFAULT": json.dumps(
                {"conn_type": "sqlite", "host": str(tmp_path / "legacy.db")}
            ),
            "TASKLOOM_CONN_POSTGRES_DEFAULT": postgres_server.uri,
            "TASKLOOM_CONN_REDIS_DEFAULT": redis_server.uri(),
            "TASKLOOM_CONN_AWS_DEFAULT": moto_clean.connection_json(),
            "TASKLOOM_CONN_HTTP_DEFAULT": json.dumps(
                {
                    "conn_type": "http",
                    "host": http_recorder.host,
                    "port": http_recorder.port,
                    "schema": "http",
                }
            ),
            "TASKLOOM_CONN_SLACK_DEFAULT": json.dumps(
                {
                    "conn_type": "slack_webhook",
                    "host": http_recorder.host,
                    "port": http_recorder.port,
                    "schema": "http",
                    "password": SLACK_TOKEN,
                }
            ),
            "TASKLOOM_CONN_SLACK_API_DEFAULT": json.dumps(
                {
                    "conn_type": "slack",
                    "password": "xoxb-legacy-token",
                    "extra": {"base_url": f"{http_recorder.url}/api/"},
                }
            ),
            "TASKLOOM_CONN_SMTP_DEFAULT": json.dumps(
                {
                    "conn_type": "smtp",
                    "host": smtp_server.host,
                    "port": smtp_server.port,
                    "login": smtp_server.login,
                    "password": smtp_server.password,
                    "extra": {
                        "from_email": "taskloom@example.com",
                        "retry_limit": 1,
                        "timeout": 10,
                    },
                }
            ),
            "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return env


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_corpus_covers_the_table() -> None:
    """At least 40 files, and together they import every 1.x path in the table that runs
    (a refused one, SubDagOperator, has its own test)."""
    from taskloom.legacy.moves import MOVES
    from taskloom_compat._shim import target

    assert len(FILES) >= 40
    assert MOVES, "the table of 1.x moves is empty"
    text = "\n".join(p.read_text() for p in FILES)
    for move in MOVES:
        if move.distribution == "taskloom" and hasattr(target(move), "__taskloom_refused__"):
            continue
        assert move.old_name in text, move.old
        assert move.old_module.rpartition(".")[2] in text, move.old


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_legacy_dag_runs_and_warns_at_the_users_lines(path: Path, services: dict[str, str]) -> None:
    """The 1.x file runs to success; every warning is reported at a marked line of the file."""
    outcome = run_dags_test(path, dag_id(path), env=services)
    out = outcome.output
    assert outcome.returncode == 0, out
    reported = {int(m["line"]) for m in WARNING_LINE.finditer(out) if m["file"] == str(path)}
    assert reported == expected_lines(path), out
    assert all(
        m["category"] in {"MovedWarning", "DeprecationWarning"} for m in WARNING_LINE.finditer(out)
    )
    assert SLACK_TOKEN not in out


def as_airflow(source: str) -> str:
    """The same DAG file as an Airflow user has it: ``airflow.*`` imports, ``Airflow*`` names."""
    return re.sub(r"\bTaskloom(?=[A-Z])", "Airflow", re.sub(r"\btaskloom\b", "airflow", source))


@pytest.mark.parametrize("spelling", ["taskloom", "airflow"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_fixed_dag_runs_without_compat_and_without_warnings(
    path: Path,
    spelling: str,
    services: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``compat fix`` output (``--from-airflow`` for the Airflow spelling) runs with compat
    unreachable and warnings as errors, and warns nothing."""
    fixed = tmp_path / path.name
    if spelling == "airflow":
        fixed.write_text(as_airflow(path.read_text()))
        assert "import airflow" in fixed.read_text() or "from airflow" in fixed.read_text()
        assert main(["compat", "fix", "--from-airflow", str(fixed)]) == 0
    else:
        fixed.write_text(path.read_text())
        assert main(["compat", "fix", str(fixed)]) == 0
    assert "cannot map" not in capsys.readouterr().err
    assert main(["compat", "check", str(fixed)]) == 0
    compat_modules = sorted(
        {
            ".".join(Path(str(f)).with_suffix("").parts)
            for f in importlib.metadata.distribution("taskloom-compat").files or []
            if f.suffix == ".py" and f.parts[0] == "taskloom"
        }
    )
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::DeprecationWarning",
            "-c",
            WITHOUT_COMPAT,
            ",".join(compat_modules),
            "dags",
            "test",
            dag_id(path),
            "-S",
            str(fixed),
        ],
        env=services,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = _output(result)
    assert result.returncode == 0, out
    assert not WARNING_LINE.search(out), out


def test_subdag_operator_is_refused_at_parse_time_and_blocks_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SubDagOperator file never half-runs: the import error names TaskGroup, and
    ``compat check`` reports it as a blocker (exit 3)."""
    dag_file = tmp_path / "subdag.py"
    dag_file.write_text(
        "from datetime import datetime\n"
        "from taskloom.models import DAG\n"
        "from taskloom.operators.subdag_operator import SubDagOperator\n"
        "dag = DAG('parent', start_date=datetime(2024, 1, 1))\n"
        "section = SubDagOperator(task_id='section', subdag=None, dag=dag)\n"
    )
    main(["dags", "list", "-S", str(tmp_path)])
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert "SubDagOperator is not supported" in err
    assert "TaskGroup" in err
    assert main(["compat", "check", str(dag_file)]) == 3
    assert "SubDagOperator is not supported" in capsys.readouterr().out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_warnings_as_errors_fail_at_the_users_first_1x_line(
    path: Path, services: dict[str, str]
) -> None:
    """``python -W error::DeprecationWarning`` turns the first 1.x use into an error that
    names the DAG file and that line."""
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::DeprecationWarning",
            "-m",
            "taskloom",
            "dags",
            "test",
            dag_id(path),
            "-S",
            str(path),
        ],
        env=services,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = _output(result)
    assert result.returncode != 0, out
    assert f"{path}:{min(expected_lines(path))}: " in out, out


def test_pool_is_refused_with_its_replacements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DAG files cannot create pools: using the 1.x model fails with what to use instead,
    and ``compat check`` reports it as a blocker."""
    from taskloom.exceptions import DagDefinitionError

    with pytest.deprecated_call(match="taskloom.models.Pool"):
        from taskloom.models import Pool  # type: ignore[attr-defined]
    with pytest.raises(DagDefinitionError, match="Pool is not supported"):
        Pool(pool="etl", slots=4)
    dag_file = tmp_path / "pools.py"
    dag_file.write_text("from taskloom.models import DAG, Pool\n")
    assert main(["compat", "check", str(dag_file)]) == 3
    out = capsys.readouterr().out
    assert "taskloom.models.Pool does not resolve: Pool is not supported" in out
