"""A set-up tree starts the app with no network at all: a laptop on a venue's hotspot with no uplink.

`scripts/run` is started inside a network namespace of its own whose only interface is loopback,
exactly as the README tells a facilitator to start it. It must serve the console within 5 s: it may
not install anything, so it may not ask a package index for anything either.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]

# Runs inside the namespace: brings loopback up, starts scripts/run, times the first answer.
DRIVER = r"""
import json, socket, subprocess, sys, time, urllib.request
root, port = sys.argv[1], int(sys.argv[2])
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
interfaces = [name for _, name in socket.if_nameindex()]
started = time.monotonic()
server = subprocess.Popen(["bash", "scripts/run", "--host", "127.0.0.1", "--port", str(port)],
                          cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
result = {"interfaces": interfaces, "healthz": None, "console": None, "seconds": None}
try:
    while time.monotonic() - started < 5 and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                result["healthz"] = answer.status
            result["seconds"] = round(time.monotonic() - started, 2)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                result["console"] = answer.status
            break
        except OSError:
            time.sleep(0.05)
finally:
    server.terminate()
    output = server.communicate(timeout=10)[0].decode(errors="replace")
result["output"] = output[-2000:]
print(json.dumps(result))
"""


def namespace_command() -> list[str]:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        missing("unshare and ip", "install Debian's util-linux and iproute2")
    command = ["unshare", "--net"]
    if os.geteuid() != 0:
        command.append("--map-root-user")
    probe = subprocess.run([*command, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        missing("a network namespace", f"unshare --net failed: {probe.stderr.strip()}")
    return command


def test_a_set_up_tree_serves_the_console_with_no_network(tmp_path: Path) -> None:
    assert (ROOT / ".venv" / ".workshop-installed").exists(), "run scripts/setup first"
    command = namespace_command()
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKSHOP_")}
    env["WORKSHOP_DATA_DIR"] = str(tmp_path / "data")
    finished = subprocess.run(
        [*command, sys.executable, "-c", DRIVER, str(ROOT), "8000"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    result = json.loads(finished.stdout)
    assert result["interfaces"] == ["lo"], result
    assert result["healthz"] == 200, result["output"]
    assert result["console"] == 200, result["output"]
    assert result["seconds"] < 5, result
