"""Build the base runtime images (``images/<base>/``) and the provider images on them.

Usage (through ``nox -s images``, which also runs the image tests)::

    python tools/images.py build [--changed [--since REF]] [--no-cache] [--base-from IMAGE] [ID...]
    python tools/images.py lock [BASE...]      # regenerate the hash-pinned locks
    python tools/images.py list                # what would be built, and from which inputs

Nothing is pulled from a registry: the OS layer of each base is made by ``mmdebstrap`` from
Debian packages and imported with ``buildah from scratch``, cached per suite and day in
``.cache/images/``.  ``--base-from`` starts from an official image instead (for a user with
a registry).  Images are built with ``buildah`` (vfs storage, chroot isolation: works as
root in CI without a daemon) into ``.cache/images/storage``, reproducibly: every input
(OS layer, lock, wheels, Containerfile) is fixed, the timestamp is the commit time of the
image's own inputs, so two builds give the same digest and a change to one base never
changes the other's images.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import repo
import wheels

IMAGES = repo.ROOT / "images"
#: Image storage and caches; the decoupling test points a clone of the repository at this one.
STORE = Path(os.environ.get("TASKLOOM_IMAGES_STORE") or wheels.CACHE / "images")
SOURCE = "https://github.com/taskloom/taskloom/tree/main/"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
#: The file time of every OS layer (mmdebstrap's SOURCE_DATE_EPOCH and the layer commit).
OS_EPOCH = 1704067200  # 2024-01-01
#: What the OS layer leaves out: docs, manuals, translations and glibc's iconv modules.
MMDEBSTRAP_OPTIONS = (
    "--variant=essential",
    "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/lib/x86_64-linux-gnu/gconv/*.so",
)


#: buildah on this repository's own image storage (vfs: no overlay mounts needed).
BUILDAH = (
    "buildah",
    "--root",
    str(STORE / "storage"),
    "--runroot",
    str(STORE / "run"),
    "--storage-driver",
    "vfs",
)


def buildah(*args: str, capture: bool = True, env: dict[str, str] | None = None) -> str:
    """Run buildah on the repository's image storage; return its output."""
    cmd = [*BUILDAH, *args]
    if shutil.which("buildah") is None:
        raise SystemExit(
            "buildah not found: run `python3 tools/servers.py` (or apt-get install buildah)"
        )
    result = subprocess.run(
        cmd, check=False, text=True, capture_output=capture, env={**os.environ, **(env or {})}
    )
    if result.returncode:
        detail = (result.stderr or "").strip().splitlines()[-5:] if capture else []
        raise SystemExit(f"buildah {args[0]} failed ({result.returncode}): " + " | ".join(detail))
    return result.stdout if capture else ""


@dataclass(frozen=True)
class Base:
    """One base runtime image: a folder ``images/<name>/`` with its ``image.toml``."""

    name: str
    path: Path

    @functools.cached_property
    def config(self) -> dict[str, Any]:
        return tomllib.loads((self.path / "image.toml").read_text())

    @property
    def version(self) -> str:
        return (self.path / "VERSION").read_text().strip()

    @property
    def python(self) -> str:
        """``X.Y`` of the interpreter, from ``python = "python3.11"``."""
        return str(self.config["python"]).removeprefix("python")

    @property
    def lock(self) -> Path:
        return self.path / f"requirements-py{self.python}.lock"

    @property
    def dists(self) -> tuple[repo.Dist, ...]:
        return tuple(repo.by_key(key) for key in self.config["dists"])

    @property
    def ref(self) -> str:
        return f"localhost/taskloom/{self.name}:{self.version}"

    @property
    def inputs(self) -> tuple[str, ...]:
        """The repository paths whose content is in this image."""
        return (self.path.relative_to(repo.ROOT).as_posix(), *(d.rel for d in self.dists))

    def provider_lock(self, provider_id: str) -> Path:
        return self.path / "providers" / f"{provider_id}-py{self.python}.lock"


@functools.cache
def bases() -> dict[str, Base]:
    return {
        p.parent.name: Base(p.parent.name, p.parent) for p in sorted(IMAGES.glob("*/image.toml"))
    }


def provider_json(dist: repo.Dist) -> dict[str, Any]:
    (path,) = (dist.path / "src").glob("taskloom/providers/*/provider.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def provider_base(dist: repo.Dist) -> Base:
    """The base a provider's image is built on: ``runtime_image`` in its provider.json."""
    name = provider_json(dist).get("runtime_image")
    if name not in bases():
        raise SystemExit(
            f"{dist.rel}: provider.json names runtime_image {name!r}; "
            f"set it to one of {', '.join(bases())}"
        )
    return bases()[name]


def is_manifest_only(dist: repo.Dist) -> bool:
    return (dist.path / "manifest.yaml").exists() or any(
        (dist.path / "src").glob("taskloom/providers/*/manifest.yaml")
    )


def provider_ref(dist: repo.Dist) -> str:
    return f"localhost/taskloom/provider-{dist.provider_id}:{dist.version}"


def provider_inputs(dist: repo.Dist) -> tuple[str, ...]:
    return (*provider_base(dist).inputs, dist.rel)


def input_commit(paths: tuple[str, ...]) -> tuple[str, int]:
    """The last commit that touched ``paths`` and its time: the image's revision and timestamp.

    A working tree with uncommitted changes under ``paths`` gets ``<commit>-dirty``: the
    image is still reproducible from that tree, but says it is not the commit's.
    """
    line = repo.git("log", "-1", "--format=%H %ct", "--", *paths).split()
    commit, epoch = (line[0], int(line[1])) if line else ("uncommitted", OS_EPOCH)
    if repo.git("status", "--porcelain", "--", *paths).strip():
        commit += "-dirty"
    return commit, epoch


# --- the OS layer -------------------------------------------------------------------------


def os_layer(base: Base) -> str:
    """An image of Debian ``suite`` with the base's packages, made once per suite and day."""
    suite, packages = base.config["suite"], sorted(base.config["os_packages"])
    day = datetime.datetime.now(datetime.UTC).date().isoformat()
    key = hashlib.sha256(
        json.dumps([suite, packages, MMDEBSTRAP_OPTIONS, OS_EPOCH, day]).encode()
    ).hexdigest()[:12]
    image = f"localhost/taskloom-os:{suite}-{key}"
    if image_digest(image):
        return image
    STORE.mkdir(parents=True, exist_ok=True)
    tarball = STORE / f"rootfs-{suite}-{key}.tar"
    if not tarball.exists():
        if shutil.which("mmdebstrap") is None:
            raise SystemExit(
                "mmdebstrap not found: run `python3 tools/servers.py` (or apt-get install mmdebstrap)"
            )
        print(f"images: mmdebstrap {suite} ({', '.join(packages)})", flush=True)
        partial = tarball.with_suffix(".partial.tar")
        log = (STORE / f"mmdebstrap-{suite}.log").open("w")
        result = subprocess.run(
            [
                "mmdebstrap",
                "--quiet",
                *MMDEBSTRAP_OPTIONS,
                f"--include={','.join(packages)}",
                "--format=tar",
                suite,
                str(partial),
                DEBIAN_MIRROR,
            ],
            check=False,
            env={**os.environ, "SOURCE_DATE_EPOCH": str(OS_EPOCH)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if result.returncode:
            raise SystemExit(f"mmdebstrap {suite} failed ({result.returncode}): see {log.name}")
        partial.rename(tarball)
    container = buildah("from", "--quiet", "scratch").strip()
    try:
        buildah("add", "--quiet", container, str(tarball), "/")
        buildah(
            "config", "--env", "LANG=C.UTF-8", "--label", f"io.taskloom.debian={suite}", container
        )
        buildah("commit", "--quiet", "--timestamp", str(OS_EPOCH), container, image)
    finally:
        buildah("rm", container)
    return image


def run_in(
    image: str,
    *cmd: str,
    volumes: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    user: str | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in a throwaway container of ``image`` on the host network."""
    container = buildah("from", "--quiet", "--pull=never", image).strip()
    try:
        args = ["run", "--isolation", "chroot", "--network", "host"]
        for volume in volumes:
            args += ["--volume", volume]
        for name, value in (env or {}).items():
            args += ["--env", f"{name}={value}"]
        if user:
            args += ["--user", user]
        result = subprocess.run(
            [*BUILDAH, *args, container, "--", *cmd], capture_output=True, text=True, check=False
        )
    finally:
        buildah("rm", container)
    if check and result.returncode:
        raise SystemExit(
            f"{' '.join(cmd)} in {image} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def interpreter_version(image: str, python: str) -> str:
    """The full version of ``python`` in ``image`` (asked once per image and kept)."""
    memo = (
        STORE
        / "python-version"
        / hashlib.sha256(f"{image}@{image_digest(image)}:{python}".encode()).hexdigest()
    )
    if not memo.exists():
        version = run_in(
            image, python, "-c", "import platform; print(platform.python_version())"
        ).stdout
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(version.strip())
    return memo.read_text()


def os_packages(image: str) -> str:
    """``package version`` lines of the Debian packages in ``image``."""
    return run_in(image, "dpkg-query", "-W", "-f", "${Package} ${Version}\n").stdout


def image_digest(ref: str) -> str | None:
    """The manifest digest of ``ref`` in the local storage, or None when there is none."""
    result = subprocess.run(
        [*BUILDAH, "inspect", "--type", "image", "--format", "{{.FromImageDigest}}", ref],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None if result.returncode == 0 else None


def labels(ref: str) -> dict[str, str]:
    return (
        json.loads(buildah("inspect", "--type", "image", ref))["OCIv1"]["config"].get("Labels")
        or {}
    )


# --- building -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    ref: str
    digest: str
    seconds: float

    @property
    def pinned(self) -> str:
        """The image by name and digest, as a provider image's FROM pins it."""
        return f"{self.ref.rsplit(':', 1)[0]}@{self.digest}"


def wheel_at(dist: repo.Dist, epoch: int) -> Path:
    """``dist``'s wheel built with file times ``epoch``, cached by source digest and time."""
    cached = STORE / "wheels" / f"{dist.name}-{wheels.source_digest(dist.path)}-{epoch}"
    found = sorted(cached.glob("*.whl")) if cached.exists() else []
    if not found:
        tmp = Path(tempfile.mkdtemp(dir=STORE, prefix="wheel-"))
        saved = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        try:
            wheels.build(dist.path, tmp)
        finally:
            if saved is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = saved
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(cached)
        found = sorted(cached.glob("*.whl"))
    return found[0]


def _context(name: str) -> Path:
    ctx = STORE / "context" / name
    shutil.rmtree(ctx, ignore_errors=True)
    ctx.mkdir(parents=True)
    return ctx


def host_ca_bundle() -> str | None:
    for candidate in (os.environ.get("SSL_CERT_FILE"), "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _bud(
    ctx: Path,
    containerfile: Path,
    ref: str,
    epoch: int,
    *,
    args: dict[str, str],
    label: dict[str, str],
    no_cache: bool,
) -> Built:
    cmd = [
        "bud",
        "--quiet",
        "--isolation",
        "chroot",
        "--network",
        "host",
        "--pull=never",
        "--timestamp",
        str(epoch),
        "--file",
        str(containerfile),
        "--tag",
        ref,
        "--volume",
        f"{STORE / 'uv-cache'}:/root/.cache/uv",
    ]
    host_ca = host_ca_bundle()
    if host_ca:
        # The host's CA bundle for the build stages' downloads (a TLS-inspecting proxy's
        # CA is only in the host's bundle); mounted, so it is in no layer.
        cmd += ["--volume", f"{host_ca}:/tmp/host-ca.crt:ro"]
        args = {**args, "SSL_CERT_FILE": "/tmp/host-ca.crt"}
    args = {**args, "SOURCE_DATE_EPOCH": str(epoch)}
    key = build_key(ctx, containerfile, ref, epoch, args, label)
    record = STORE / "built" / key
    if not no_cache and record.exists() and image_digest(ref) == record.read_text():
        return Built(ref, record.read_text(), 0.0)
    for name, value in args.items():
        cmd += ["--build-arg", f"{name}={value}"]
    for name, value in sorted(label.items()):
        cmd += ["--label", f"{name}={value}"]
    (STORE / "uv-cache").mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    buildah(*cmd, str(ctx))
    seconds = time.monotonic() - start
    digest = image_digest(ref)
    assert digest, f"{ref} was built but is not in the storage"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(digest)
    return Built(ref, digest, seconds)


def build_key(
    ctx: Path,
    containerfile: Path,
    ref: str,
    epoch: int,
    args: dict[str, str],
    label: dict[str, str],
) -> str:
    """A digest of everything ``buildah bud`` is given: an image built from the same key is
    the same image (the reproducibility test proves it), so it is not built again."""
    digest = hashlib.sha256(json.dumps([ref, epoch, args, label, buildah("--version")]).encode())
    digest.update(containerfile.read_bytes())
    for file in sorted(ctx.rglob("*")):
        if file.is_file():
            digest.update(file.relative_to(ctx).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def build_base(base: Base, *, no_cache: bool = False, base_from: str | None = None) -> Built:
    """Build ``base`` on its OS layer (or on ``base_from``) and return its digest."""
    if base_from:
        # An official image from a registry: pulled once, then used like the OS layer
        # (untested here: no registry is reachable from this project's CI).
        buildah("pull", "--quiet", base_from)
    os_image = base_from or os_layer(base)
    commit, epoch = input_commit(base.inputs)
    ctx = _context(base.name)
    shutil.copy2(base.lock, ctx / "requirements.lock")
    (ctx / "wheels").mkdir()
    versions = {}
    for dist in base.dists:
        wheel = wheel_at(dist, epoch)
        shutil.copy2(wheel, ctx / "wheels" / wheel.name)
        versions[f"io.taskloom.{dist.kind}.version"] = str(dist.version)
    shutil.copy2(wheels.uv(), ctx / "uv")
    python_version = interpreter_version(os_image, base.config["python"])
    label = {
        "org.opencontainers.image.title": f"taskloom {base.name} base runtime",
        "org.opencontainers.image.version": base.version,
        "org.opencontainers.image.revision": commit,
        "org.opencontainers.image.source": SOURCE + base.inputs[0],
        "org.opencontainers.image.licenses": "Apache-2.0",
        "io.taskloom.python.version": python_version,
        "io.taskloom.debian.suite": base.config["suite"],
        **versions,
    }
    return _bud(
        ctx,
        base.path / "Containerfile",
        base.ref,
        epoch,
        args={"OS_IMAGE": os_image, "PYTHON": base.config["python"]},
        label=label,
        no_cache=no_cache,
    )


def build_provider(dist: repo.Dist, base_built: Built, *, no_cache: bool = False) -> Built:
    """Build ``taskloom/provider-<id>:<version>`` on its base, pinned by the base's digest.

    A Python provider's wheel and locked dependencies are installed in a build stage; a
    manifest-only provider's wheel is only unpacked (metadata and manifest files).
    """
    base = provider_base(dist)
    commit, epoch = input_commit(provider_inputs(dist))
    ctx = _context(f"provider-{dist.provider_id}")
    wheel = wheel_at(dist, epoch)
    if is_manifest_only(dist):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(ctx / "provider")
    else:
        lock = base.provider_lock(str(dist.provider_id))
        if not lock.exists():
            raise SystemExit(
                f"{lock.relative_to(repo.ROOT)} is missing: run `python tools/images.py lock {base.name}`"
            )
        shutil.copy2(lock, ctx / "requirements.lock")
        (ctx / "wheels").mkdir()
        shutil.copy2(wheel, ctx / "wheels" / wheel.name)
        shutil.copy2(wheels.uv(), ctx / "uv")
    base_labels = labels(base_built.ref)
    label = {
        "org.opencontainers.image.title": f"taskloom provider {dist.provider_id}",
        "org.opencontainers.image.version": str(dist.version),
        "org.opencontainers.image.revision": commit,
        "org.opencontainers.image.source": SOURCE + dist.rel,
        "org.opencontainers.image.licenses": "Apache-2.0",
        "org.opencontainers.image.base.name": base_built.ref,
        "org.opencontainers.image.base.digest": base_built.digest,
        "io.taskloom.provider.id": str(dist.provider_id),
        "io.taskloom.provider.version": str(dist.version),
        "io.taskloom.runtime_image": base.name,
        "io.taskloom.runtime_image.version": base.version,
    }
    label |= {
        k: v
        for k, v in base_labels.items()
        if k.startswith("io.taskloom.") and k.endswith(".version") and k not in label
    }
    return _bud(
        ctx,
        base.path / "provider.Containerfile",
        provider_ref(dist),
        epoch,
        args={"BASE_IMAGE": base_built.pinned},
        label=label,
        no_cache=no_cache,
    )


# --- what changed -------------------------------------------------------------------------


def changed_paths(since: str) -> set[str]:
    """Files changed between ``since`` and the working tree (committed or not)."""
    out = repo.git("diff", "--name-only", since, "--")
    untracked = repo.git("ls-files", "--others", "--exclude-standard")
    return {*out.split(), *untracked.split()}


def touches(paths: set[str], inputs: tuple[str, ...]) -> bool:
    return any(p == i or p.startswith(i.rstrip("/") + "/") for p in paths for i in inputs)


def default_since() -> str:
    """The merge base with ``main``: what a branch changed (on main itself: the last commit)."""
    head = repo.git("rev-parse", "HEAD").strip()
    try:
        base = repo.git("merge-base", "HEAD", "main").strip()
    except subprocess.CalledProcessError:
        return "HEAD~1"
    return "HEAD~1" if base == head else base


@dataclass(frozen=True)
class Plan:
    bases: tuple[Base, ...]
    providers: tuple[repo.Dist, ...]


def plan(ids: list[str], *, changed_since: str | None) -> Plan:
    """The bases and provider images to build: the given ids, the changed ones, or all."""
    providers = [d for d in repo.providers() if "runtime_image" in provider_json(d)]
    if changed_since is not None:
        paths = changed_paths(changed_since)
        chosen_bases = [b for b in bases().values() if touches(paths, b.inputs)]
        chosen = [d for d in providers if touches(paths, provider_inputs(d))]
    elif ids:
        unknown = [
            i for i in ids if i not in bases() and i not in {d.provider_id for d in providers}
        ]
        if unknown:
            known = ", ".join([*bases(), *(str(d.provider_id) for d in providers)])
            raise SystemExit(f"no image {', '.join(unknown)}: choose from {known}")
        chosen_bases = [bases()[i] for i in ids if i in bases()]
        chosen = [d for d in providers if d.provider_id in ids]
    else:
        chosen_bases, chosen = list(bases().values()), providers
    # A provider image needs its base built in this storage (its FROM pins the digest).
    for dist in chosen:
        if provider_base(dist) not in chosen_bases:
            chosen_bases.append(provider_base(dist))
    return Plan(tuple(chosen_bases), tuple(chosen))


def build_all(
    p: Plan, *, no_cache: bool = False, base_from: dict[str, str] | None = None
) -> dict[str, Built]:
    built: dict[str, Built] = {}
    for base in p.bases:
        built[base.name] = build_base(
            base, no_cache=no_cache, base_from=(base_from or {}).get(base.name)
        )
        print(
            f"images: {base.ref} {built[base.name].digest} ({built[base.name].seconds:.0f} s)",
            flush=True,
        )
    for dist in p.providers:
        ref = provider_ref(dist)
        built[str(dist.provider_id)] = build_provider(
            dist, built[provider_base(dist).name], no_cache=no_cache
        )
        print(
            f"images: {ref} {built[str(dist.provider_id)].digest} ({built[str(dist.provider_id)].seconds:.0f} s)",
            flush=True,
        )
    return built


# --- locks --------------------------------------------------------------------------------

_REQ_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_names(text: str) -> set[str]:
    return {normalize(m.group(1)) for line in text.splitlines() if (m := _REQ_NAME.match(line))}


def _drop_packages(text: str, names: set[str]) -> str:
    """Remove the ``name==...`` entries (with their hash and comment lines) of ``names``."""
    out, skipping = [], False
    for line in text.splitlines():
        if m := _REQ_NAME.match(line):
            skipping = re.sub(r"[-_.]+", "-", m.group(1)).lower() in names
        elif not line.startswith(" "):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def _compile(inputs: list[Path], python: str, *extra: str) -> str:
    """``uv pip compile --generate-hashes`` for Python ``python``, paths relative to the repo."""
    result = subprocess.run(
        [
            wheels.uv(),
            "pip",
            "compile",
            "--quiet",
            "--generate-hashes",
            "--universal",
            "--python-version",
            python,
            "--no-header",
            "--annotation-style",
            "line",
            *extra,
            *(str(p.relative_to(repo.ROOT)) for p in inputs),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=repo.ROOT,
    )
    if result.returncode:
        raise SystemExit(f"uv pip compile failed: {result.stderr.strip()}")
    return result.stdout


def lock(base: Base) -> None:
    """Regenerate the base's lock and the locks of the Python providers built on it.

    This repository's distributions are found as wheels built from the tree (never on the
    index) and left out of the locks: the images install them from those wheels.
    """
    own = {re.sub(r"[-_.]+", "-", d.name) for d in repo.dists()}
    found = STORE / "lock-wheels"
    shutil.rmtree(found, ignore_errors=True)
    for dist in repo.dists():
        if dist.kind in {"core", "declarative"}:
            wheels.build_dist(dist, found)
    local = ("--find-links", str(found), "--no-emit-package", "taskloom")
    sources = ", ".join(d.rel + "/pyproject.toml" for d in base.dists)
    text = _compile(
        [*(d.path / "pyproject.toml" for d in base.dists), base.path / "requirements.in"],
        base.python,
        *local,
    )
    base.lock.write_text(
        f"# Generated by `python tools/images.py lock {base.name}` (uv pip compile --generate-hashes)\n"
        f"# from {sources} and requirements.in, for Python {base.python}.\n"
        + _drop_packages(text, own)
    )
    print(f"images: wrote {base.lock.relative_to(repo.ROOT)}")
    packages = base.path / "os-packages.txt"
    packages.write_text(
        f"# The Debian packages of the {base.config['suite']} OS layer when the lock was made\n"
        "# (`python tools/images.py lock`); Debian's mirror moves on, so a later build may hold\n"
        "# newer security releases: the image tests report any difference.\n"
        + "".join(sorted(os_packages(os_layer(base)).splitlines(keepends=True)))
    )
    print(f"images: wrote {packages.relative_to(repo.ROOT)}")
    in_base = lock_names(base.lock.read_text())
    for dist in repo.providers():
        if (
            "runtime_image" not in provider_json(dist)
            or provider_base(dist) != base
            or is_manifest_only(dist)
        ):
            continue
        constraint = str(base.lock.relative_to(repo.ROOT))
        text = _compile(
            [dist.path / "pyproject.toml"], base.python, "--constraint", constraint, *local
        )
        target = base.provider_lock(str(dist.provider_id))
        target.parent.mkdir(exist_ok=True)
        target.write_text(
            f"# Generated by `python tools/images.py lock {base.name}`: what {dist.name} adds to the\n"
            f"# {base.name} image (its dependencies not already in {base.lock.name}), for Python {base.python}.\n"
            + _drop_packages(text, own | in_base)
        )
        print(f"images: wrote {target.relative_to(repo.ROOT)}")


# --- command line -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/images.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build base and provider images")
    b.add_argument("ids", nargs="*", help="bases or provider ids (default: all)")
    b.add_argument("--changed", action="store_true", help="only what changed since --since")
    b.add_argument("--since", help="git ref for --changed (default: the merge base with main)")
    b.add_argument("--no-cache", action="store_true", help="rebuild every layer")
    b.add_argument(
        "--base-from",
        action="append",
        default=[],
        metavar="BASE=IMAGE",
        help="start BASE from an official image (e.g. python-providers=docker.io/library/python:3.11-slim-bookworm)",
    )
    b.add_argument("--json", type=Path, help="write the built refs and digests here")
    lk = sub.add_parser("lock", help="regenerate the hash-pinned lock files")
    lk.add_argument("bases", nargs="*")
    sub.add_parser("list", help="the bases and provider images and their inputs")
    sub.add_parser("report", help="digests, build times and sizes of the last run")
    args = parser.parse_args(argv)

    if args.command == "lock":
        for name in args.bases or list(bases()):
            lock(bases()[name])
        return 0
    if args.command == "report":
        report()
        return 0
    if args.command == "list":
        for base in bases().values():
            print(f"{base.ref}  inputs: {' '.join(base.inputs)}")
        for dist in plan([], changed_since=None).providers:
            print(
                f"{provider_ref(dist)}  on {provider_base(dist).name}  inputs: {' '.join(provider_inputs(dist))}"
            )
        return 0
    base_from = {}
    for item in args.base_from:
        name, sep, image = item.partition("=")
        if not sep or name not in bases():
            raise SystemExit(
                f"--base-from {item!r}: write BASE=IMAGE with BASE one of {', '.join(bases())}"
            )
        base_from[name] = image
    p = plan(args.ids, changed_since=(args.since or default_since()) if args.changed else None)
    built = build_all(p, no_cache=args.no_cache, base_from=base_from) if p.bases else {}
    if not built:
        print("images: nothing changed")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    k: {"ref": v.ref, "digest": v.digest, "seconds": round(v.seconds, 1)}
                    for k, v in built.items()
                },
                indent=2,
            )
            + "\n"
        )
    return 0


def report() -> None:
    """Print the digests, build times, sizes and timings of the last ``nox -s images``."""
    built = STORE / "built.json"
    figures = STORE / "report.json"
    for row in (json.loads(built.read_text()) if built.exists() else {}).values():
        print(f"images: {row['ref']:<48} {row['digest']}  built in {row['seconds']} s")
    for key, value in (json.loads(figures.read_text()) if figures.exists() else {}).items():
        print(f"images: {key} = {value}")


if __name__ == "__main__":
    sys.exit(main())
