"""A fresh Debian root made with debootstrap, standing in for a container (no Docker engine here).

Commands run with `unshare --mount` + `chroot`: /proc and /dev are mounted inside a private mount
namespace, so nothing stays mounted on the host when a command ends (or is killed). The network is
the host's: the app in the root listens on the host's loopback, where the test reaches it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[2]
MIRROR = os.environ.get("TUTORHUB_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"
# The python image's base: Python 3.11 with venv. nodejs and npm come next with apt-get, as in the
# Dockerfile's build stage (debootstrap's own resolver cannot install npm's dependency tree).
PACKAGES = ("python3", "python3-venv", "ca-certificates", "passwd")
BUILD_PACKAGES = ("nodejs", "npm")
# The final stage's SFU for the lesson rooms (Dockerfile: janus and its browser client).
SFU_PACKAGES = ("janus", "libjs-janus-gateway", "libjs-webrtc-adapter")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def missing_tools() -> str | None:
    if os.geteuid() != 0:
        return "needs root (debootstrap, chroot)"
    for tool in ("debootstrap", "unshare", "chroot"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install debootstrap)"
    return None


def make_root(root: Path) -> float:
    """debootstrap a minimal Debian into `root`; returns the seconds it took."""
    started = time.monotonic()
    # In a private mount namespace too: whatever debootstrap mounts in the root goes with it.
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "debootstrap", "--variant=minbase",
                           f"--include={','.join(PACKAGES)}", SUITE, str(root), MIRROR],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        log = root / "debootstrap" / "debootstrap.log"
        raise RuntimeError(f"debootstrap failed: {done.stderr[-2000:]}\n{log.read_text()[-3000:] if log.exists() else ''}")
    # The host's trust store (it may hold the CA of a proxy in front of the package registries).
    if CA_BUNDLE.is_file():
        shutil.copyfile(CA_BUNDLE, root / CA_BUNDLE.relative_to("/"))
    shutil.copyfile("/etc/resolv.conf", root / "etc" / "resolv.conf")
    return time.monotonic() - started


def install_build_packages(root: Path) -> float:
    """The Dockerfile's `apt-get install`s: nodejs and npm (build stage) and the SFU (final stage);
    returns the seconds it took. Services are not started by the packages (no init in a root)."""
    started = time.monotonic()
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    script = ("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
              + " ".join(BUILD_PACKAGES + SFU_PACKAGES))
    done = run(root, ["sh", "-c", script], {"HOME": "/root"})
    if done.returncode != 0:
        raise RuntimeError(f"apt-get install in the root failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.monotonic() - started


def copy_app(root: Path) -> Path:
    """The repository's files as the Docker build context sees them (.dockerignore applied roughly:
    tracked and new files, without tests and benchmarks)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT_DIR, check=True,
                            capture_output=True, text=True).stdout.splitlines()
    app = root / "app"
    for name in listed:
        if name.startswith(("tests/", "benchmarks/", ".ci/")) or not (ROOT_DIR / name).is_file():
            continue
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT_DIR / name, app / name)
    return app


def command(root: Path, argv: list[str], env: dict[str, str], *, user: str | None = None) -> list[str]:
    """argv run in the root: private mounts of /proc and /dev, a clean environment."""
    chroot = ["chroot", *([f"--userspec={user}"] if user else []), str(root)]
    mounts = f"mount -t proc proc {root}/proc && mount --rbind /dev {root}/dev && exec \"$@\""
    clean = ["env", "-i", f"PATH={BASE_PATH}", *[f"{k}={v}" for k, v in env.items()]]
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", mounts, "sh", *chroot, *clean, *argv]


def run(root: Path, argv: list[str], env: dict[str, str], *, user: str | None = None,
        timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(command(root, argv, env, user=user), capture_output=True, text=True, timeout=timeout)


def network_env() -> dict[str, str]:
    """What pip and npm need in the root to reach the registries as the host does."""
    env = {"HOME": "/root", "PIP_CERT": str(CA_BUNDLE), "NPM_CONFIG_CAFILE": str(CA_BUNDLE),
           "SSL_CERT_FILE": str(CA_BUNDLE), "PIP_DEFAULT_TIMEOUT": "180"}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
                 "PIP_INDEX_URL", "NPM_CONFIG_REGISTRY"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def remove_root(work: Path) -> None:
    """Delete the root, unless something is still mounted under it (then leave it, loudly)."""
    mounted = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()
               if line.split()[1].startswith(str(work))]
    if mounted:
        raise RuntimeError(f"not removing {work}: still mounted there: {mounted}")
    shutil.rmtree(work, ignore_errors=True)
