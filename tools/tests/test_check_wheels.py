"""The wheel-ownership check accepts a sound set of wheels and names each broken one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import check_wheels

EXTEND = '__path__ = __import__("pkgutil").extend_path(__path__, __name__)\n'


def make_wheel(directory: Path, dist: str, files: dict[str, str], entry_points: str = "") -> Path:
    """Write a minimal wheel (zip with a dist-info) holding ``files``."""
    stem = dist.replace("-", "_")
    path = directory / f"{stem}-1.0.0-py3-none-any.whl"
    info = f"{stem}-1.0.0.dist-info"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.4\nName: {dist}\nVersion: 1.0.0\n")
        zf.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        if entry_points:
            zf.writestr(f"{info}/entry_points.txt", entry_points)
        zf.writestr(f"{info}/RECORD", "")
    return path


def core_wheel(directory: Path, init: str = EXTEND, extra: dict[str, str] | None = None) -> Path:
    files = {"taskloom/__init__.py": init, "taskloom/hooks/__init__.py": EXTEND}
    return make_wheel(directory, "taskloom", {**files, **(extra or {})})


def provider_wheel(
    directory: Path,
    pid: str = "postgres",
    extra: dict[str, str] | None = None,
    entry_point: bool = True,
) -> Path:
    files = {
        f"taskloom/providers/{pid}/__init__.py": "",
        f"taskloom/providers/{pid}/provider.json": "{}",
    }
    eps = f"[taskloom.providers]\n{pid} = taskloom.providers.{pid}\n" if entry_point else ""
    return make_wheel(directory, f"taskloom-provider-{pid}", {**files, **(extra or {})}, eps)


def compat_wheel(directory: Path, extra: dict[str, str] | None = None) -> Path:
    files = {"taskloom/hooks/postgres_hook.py": "", "taskloom_compat/__init__.py": ""}
    return make_wheel(directory, "taskloom-compat", {**files, **(extra or {})})


def problems(*paths: Path) -> list[str]:
    return check_wheels.check([check_wheels.read_wheel(p) for p in paths])


def test_sound_wheels_pass(tmp_path: Path) -> None:
    """Core, two providers and compat laid out by the rules give no problem."""
    wheels = [
        core_wheel(tmp_path),
        provider_wheel(tmp_path, "postgres"),
        provider_wheel(tmp_path, "redis"),
        compat_wheel(tmp_path),
    ]
    assert problems(*wheels) == []
    assert check_wheels.main([str(w) for w in wheels]) == 0


def test_provider_shipping_core_init_fails(tmp_path: Path) -> None:
    """A provider that ships taskloom/__init__.py overlaps core and leaves its subtree."""
    found = problems(
        core_wheel(tmp_path), provider_wheel(tmp_path, extra={"taskloom/__init__.py": ""})
    )
    assert any("taskloom/__init__.py: shipped by 2 wheels" in p for p in found)
    assert any("outside taskloom/providers/postgres/" in p for p in found)


def test_namespace_init_fails(tmp_path: Path) -> None:
    """No wheel may ship taskloom/providers/__init__.py."""
    found = problems(provider_wheel(tmp_path, extra={"taskloom/providers/__init__.py": ""}))
    assert any("PEP 420 namespace" in p for p in found)


def test_core_without_extend_path_fails(tmp_path: Path) -> None:
    """Core's __init__ must start with the extend_path line."""
    found = problems(core_wheel(tmp_path, init='"""doc"""\n' + EXTEND))
    assert any("first statement of taskloom/__init__.py" in p for p in found)


def test_core_shipping_providers_fails(tmp_path: Path) -> None:
    """Core ships nothing under taskloom/providers/."""
    found = problems(core_wheel(tmp_path, extra={"taskloom/providers/sqlite/__init__.py": ""}))
    assert any("core must ship nothing under taskloom/providers/" in p for p in found)


def test_provider_without_entry_point_fails(tmp_path: Path) -> None:
    """A provider wheel must declare its taskloom.providers entry point."""
    found = problems(provider_wheel(tmp_path, entry_point=False))
    assert any("lacks the entry point" in p for p in found)


def test_compat_shipping_init_fails(tmp_path: Path) -> None:
    """Compat adds modules to core's packages but never their __init__.py."""
    found = problems(
        core_wheel(tmp_path), compat_wheel(tmp_path, extra={"taskloom/hooks/__init__.py": ""})
    )
    assert any("compat ships taskloom/hooks/__init__.py" in p for p in found)
    assert any("shipped by 2 wheels" in p for p in found)


def test_compat_into_core_package_without_extend_path_fails(tmp_path: Path) -> None:
    """A core package that compat adds modules to must extend its __path__."""
    core = core_wheel(tmp_path, extra={"taskloom/sensors/__init__.py": "# plain\n"})
    found = problems(core, compat_wheel(tmp_path, extra={"taskloom/sensors/http_sensor.py": ""}))
    assert any(
        "taskloom/sensors/__init__.py does not start with the extend_path line" in p for p in found
    )


def test_usage_without_wheels() -> None:
    """Called without wheels, the script prints its usage and exits 2."""
    assert check_wheels.main([]) == 2


def manifest_only_wheel(directory: Path, extra: dict[str, str] | None = None) -> Path:
    files = {
        "taskloom/providers/github/provider.json": '{"id": "github", "manifest_only": true}',
        "taskloom/providers/github/manifest.yaml": "version: 6.0.0\n",
    }
    eps = "[taskloom.providers]\ngithub = taskloom.providers.github\n"
    return make_wheel(directory, "taskloom-provider-github", {**files, **(extra or {})}, eps)


def test_manifest_only_provider_ships_no_python(tmp_path: Path) -> None:
    """A manifest-only provider with data only passes; one .py file is named as a problem."""
    assert problems(core_wheel(tmp_path), manifest_only_wheel(tmp_path)) == []
    found = problems(
        core_wheel(tmp_path),
        manifest_only_wheel(tmp_path, {"taskloom/providers/github/__init__.py": ""}),
    )
    assert found == [
        "taskloom_provider_github-1.0.0-py3-none-any.whl: manifest-only provider ships Python file "
        "taskloom/providers/github/__init__.py; it must ship data only (provider.json, manifest.yaml, schemas)"
    ]


def test_declarative_runtime_ships_only_its_package(tmp_path: Path) -> None:
    """The runtime's wheel may hold taskloom/declarative/ only."""
    ok = make_wheel(tmp_path, "taskloom-declarative", {"taskloom/declarative/__init__.py": ""})
    assert problems(core_wheel(tmp_path), ok) == []
    bad = make_wheel(
        tmp_path,
        "taskloom-declarative",
        {"taskloom/declarative/__init__.py": "", "taskloom/__init__.py": EXTEND},
    )
    assert problems(bad) == [
        "taskloom_declarative-1.0.0-py3-none-any.whl: ships taskloom/__init__.py; the declarative "
        "runtime ships only taskloom/declarative/"
    ]


def test_webserver_ships_only_its_package(tmp_path: Path) -> None:
    """The webserver's wheel may hold taskloom_webserver/ only (never a file of core's namespace)."""
    ok = make_wheel(tmp_path, "taskloom-webserver", {"taskloom_webserver/__init__.py": ""})
    assert problems(core_wheel(tmp_path), ok) == []
    bad = make_wheel(
        tmp_path,
        "taskloom-webserver",
        {"taskloom_webserver/__init__.py": "", "taskloom/web.py": ""},
    )
    assert problems(bad) == [
        "taskloom_webserver-1.0.0-py3-none-any.whl: ships taskloom/web.py; the webserver ships "
        "only taskloom_webserver/"
    ]
