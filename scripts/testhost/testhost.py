"""Run a command inside the test host VM (scripts/testhost/run is the entry point).

    scripts/testhost/run [--store overlay2|containerd] [--results DIR] [--timeout S]
                         [--memory 6G] [--scratch] [--env NAME=VALUE] -- COMMAND [ARGS...]

Builds the image if needed (scripts/testhost/build-image), saves the host's base images
for the guest once per image id, boots qemu (TCG: no KVM guest runs here) with the disk,
the working tree (read-only), the base images (read-only) and a per-run job directory
shared over 9p, streams the command's output to stdout and exits with its exit code.
The guest side is scripts/testhost/guest/job.

Exit codes besides the command's own: 124 the run took longer than --timeout, 125 the
test host failed (no image, the VM did not boot, the guest reported no exit code),
130 interrupted. qemu is killed by its pid on every way out.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = Path(os.environ.get("TESTHOST_CACHE", "/var/cache/course-testhost"))
HOST_CA_BUNDLE = Path(os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
# The tags the exercises build FROM (scripts/ensure-base-image.sh makes them).
BASE_TAGS = ("python:3.11-slim", "python:3.11-slim-bookworm")
QEMU = "qemu-system-x86_64"

EXIT_TIMEOUT = 124
EXIT_TESTHOST = 125
EXIT_INTERRUPTED = 130


class TesthostError(Exception):
    """The test host itself failed (as opposed to the command run in it)."""


def say(message: str) -> None:
    print(f"testhost: {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/testhost/run",
        description="Run COMMAND in a fresh copy of this working tree inside the test host VM "
        "(Debian 13, systemd, cgroup v2, docker 26).",
    )
    parser.add_argument(
        "--store",
        choices=("overlay2", "containerd"),
        default="overlay2",
        help="docker's image store in the guest (default overlay2)",
    )
    parser.add_argument(
        "--results", type=Path, help="copy what the command wrote to $RESULTS into this directory"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600,
        help="seconds for the whole run, boot included (default 3600)",
    )
    parser.add_argument(
        "--boot-timeout",
        type=float,
        default=600,
        help="seconds until the guest must have started the job (default 600)",
    )
    parser.add_argument("--memory", default="6G", help="guest memory (default 6G)")
    parser.add_argument("--smp", type=int, default=1, help="guest CPUs (default 1; 2 crashed it)")
    parser.add_argument(
        "--scratch",
        action="store_true",
        help="discard the guest's disk changes (snapshot=on); such VMs can run "
        "at once from the same image",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for COMMAND (repeatable)",
    )
    parser.add_argument(
        "--console",
        action="store_true",
        help="also stream the guest's serial console (kernel, systemd)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the job directory")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        parser.error("no command given: scripts/testhost/run -- COMMAND [ARGS...]")
    for item in args.env:
        if "=" not in item:
            parser.error(f"--env {item!r}: expected NAME=VALUE")
    return args


def build_image() -> Path:
    """The image directory (disk.img, vmlinuz, initrd.img), built first if needed."""
    result = subprocess.run([str(HERE / "build-image")], stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise TesthostError("building the VM image failed (scripts/testhost/build-image, above)")
    return Path(result.stdout.strip().splitlines()[-1])


def base_images() -> Path:
    """A directory with base.tar (`docker save` of the host's base images) and ID."""
    inspect = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Id}}", BASE_TAGS[1]],
        capture_output=True,
        text=True,
    )
    if inspect.returncode != 0:
        raise TesthostError(
            f"the host's Docker has no {BASE_TAGS[1]} ({inspect.stderr.strip()}): "
            "run bash scripts/provision.sh"
        )
    image_id = inspect.stdout.strip()
    short = image_id.split(":")[-1][:16]
    directory = CACHE / f"base-{short}"
    if (directory / "ID").is_file():
        return directory
    started = time.monotonic()
    tags = [
        t
        for t in BASE_TAGS
        if subprocess.run(["docker", "image", "inspect", t], capture_output=True).returncode == 0
    ]
    partial = CACHE / f".base-{short}.{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    saved = subprocess.run(["docker", "save", "-o", str(partial / "base.tar"), *tags])
    if saved.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise TesthostError(f"docker save {' '.join(tags)} failed")
    (partial / "ID").write_text(image_id + "\n")
    for old in CACHE.glob("base-*"):
        shutil.rmtree(old, ignore_errors=True)
    partial.rename(directory)
    say(f"saved {', '.join(tags)} for the guest in {time.monotonic() - started:.1f} s")
    return directory


def make_job(args: argparse.Namespace) -> Path:
    job = Path(tempfile.mkdtemp(prefix="course-testhost-job-", dir="/var/tmp"))
    shutil.copytree(HERE / "guest", job / "guest")
    (job / "results").mkdir()
    (job / "output.log").touch()
    (job / "command").write_bytes(b"".join(a.encode() + b"\0" for a in args.command))
    env = [("STORE", args.store), ("CI_VALUE", os.environ.get("CI", ""))]
    lines = [f"{name}={shlex.quote(value)}" for name, value in env]
    # --env entries become exports the job's command inherits.
    lines += [f"export {shlex.quote(item)}" for item in args.env]
    (job / "config.env").write_text("\n".join(lines) + "\n")
    if HOST_CA_BUNDLE.is_file():
        shutil.copy(HOST_CA_BUNDLE, job / "ca-certificates.crt")
    return job


def qemu_command(args: argparse.Namespace, image: Path, base: Path, job: Path) -> list[str]:
    drive = f"file={image / 'disk.img'},format=raw,if=virtio,discard=unmap"
    if args.scratch:
        drive += ",snapshot=on"
    # apparmor=0: without the docker-default profile loaded every RUN step would fail.
    # panic=-1 with -no-reboot: a kernel panic ends qemu at once instead of hanging.
    append = "root=/dev/vda rw console=ttyS0 apparmor=0 panic=-1 mitigations=off quiet"
    shares = [("src", REPO, True), ("job", job, False), ("base", base, True)]
    command = [
        QEMU,
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-no-reboot",
        "-accel",
        "tcg,thread=multi",
        "-cpu",
        "max",
        "-smp",
        str(args.smp),
        "-m",
        args.memory,
        "-kernel",
        str(image / "vmlinuz"),
        "-initrd",
        str(image / "initrd.img"),
        "-append",
        append,
        "-drive",
        drive,
        # User-mode networking, no forwarding: the guest reaches the package indexes only.
        "-netdev",
        "user,id=net0",
        "-device",
        "virtio-net-pci,netdev=net0",
        "-object",
        "rng-random,id=rng0,filename=/dev/urandom",
        "-device",
        "virtio-rng-pci,rng=rng0",
        "-serial",
        f"file:{job / 'console.log'}",
    ]
    for tag, path, readonly in shares:
        spec = f"local,path={path},mount_tag={tag},security_model=none"
        command += ["-virtfs", spec + (",readonly=on" if readonly else "")]
    return command


def _die_with_parent() -> None:
    # qemu gets SIGKILL if this process dies without cleaning up (PR_SET_PDEATHSIG = 1).
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)
    os.setpgid(0, 0)  # and Ctrl-C in the terminal reaches only us, not qemu


class Tail:
    """Copies what a growing file gains to a stream."""

    def __init__(self, path: Path, out, prefix: bytes = b"") -> None:
        self.path, self.out, self.prefix = path, out, prefix
        self.offset, self.partial = 0, b""

    def pump(self, final: bool = False) -> None:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        if self.prefix:
            data = self.partial + data
            lines = data.split(b"\n")
            self.partial = b"" if final else lines.pop()
            data = b"".join(self.prefix + line + b"\n" for line in lines if line or not final)
        if data:
            self.out.write(data)
            self.out.flush()


def stop(proc: subprocess.Popen) -> None:
    """End qemu (the process we started, by its pid): SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def console_tail(job: Path, lines: int = 40) -> str:
    try:
        text = (job / "console.log").read_text(errors="replace")
    except FileNotFoundError:
        return "(no console output)"
    return "\n".join(text.splitlines()[-lines:])


def run_vm(args: argparse.Namespace, image: Path, base: Path, job: Path) -> int:
    command = qemu_command(args, image, base, job)
    started = time.monotonic()
    with (job / "qemu.log").open("wb") as qemu_log:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=qemu_log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    say(
        f"booting the VM (qemu pid {proc.pid}, {args.memory}, {args.smp} CPUs, TCG"
        f"{', scratch disk' if args.scratch else ''}); job directory {job}"
    )
    output = Tail(job / "output.log", sys.stdout.buffer)
    console = Tail(job / "console.log", sys.stderr.buffer, b"console| ") if args.console else None
    booted = False
    try:
        while proc.poll() is None:
            time.sleep(0.2)
            output.pump()
            if console:
                console.pump()
            elapsed = time.monotonic() - started
            if not booted and (job / "started").exists():
                booted = True
                say(f"VM up, job started {elapsed:.1f} s after qemu started")
            if not booted and elapsed > args.boot_timeout:
                stop(proc)
                raise TesthostError(
                    f"the VM did not start the job within {args.boot_timeout:.0f} s "
                    f"(--boot-timeout); last console lines:\n{console_tail(job)}"
                )
            if elapsed > args.timeout:
                stop(proc)
                output.pump(final=True)
                say(
                    f"TIMEOUT: the run took longer than {args.timeout:.0f} s (--timeout); "
                    f"qemu {proc.pid} killed"
                )
                return EXIT_TIMEOUT
    finally:
        stop(proc)
    output.pump(final=True)
    if console:
        console.pump(final=True)
    qemu_said = (job / "qemu.log").read_text(errors="replace").strip()
    exit_file = job / "exit-code"
    if not exit_file.exists():
        raise TesthostError(
            f"the VM stopped (qemu status {proc.returncode}) without reporting an exit code"
            + (f"; qemu said: {qemu_said}" if qemu_said else "")
            + f"; last console lines:\n{console_tail(job)}"
        )
    say(f"VM finished after {time.monotonic() - started:.1f} s")
    return int(exit_file.read_text().strip())


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if shutil.which(QEMU) is None:
        say(f"{QEMU} not found: run bash scripts/provision.sh (it installs qemu-system-x86)")
        return EXIT_TESTHOST
    # SIGTERM (e.g. from a CI runner) cleans up like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    job = None
    try:
        image = build_image()
        base = base_images()
        job = make_job(args)
        # A writable boot needs the image alone; scratch boots only read it and share it.
        with (image / "disk.img").open("rb") as disk:
            mode = fcntl.LOCK_SH if args.scratch else fcntl.LOCK_EX
            try:
                fcntl.flock(disk, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                say("waiting for another VM that uses the image (--scratch runs can share it)")
                fcntl.flock(disk, mode)
            status = run_vm(args, image, base, job)
        if args.results:
            args.results.mkdir(parents=True, exist_ok=True)
            shutil.copytree(job / "results", args.results, dirs_exist_ok=True)
        return status
    except TesthostError as error:
        say(f"ERROR: {error}")
        return EXIT_TESTHOST
    except KeyboardInterrupt:
        say("interrupted; qemu stopped")
        return EXIT_INTERRUPTED
    finally:
        if job and not args.keep:
            with contextlib.suppress(OSError):
                shutil.rmtree(job)
        elif job:
            say(f"job directory kept: {job}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
