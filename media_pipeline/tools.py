"""Running an external program in its own process group, with a time limit and progress.

Programs such as ocrmypdf and LibreOffice start children of their own (tesseract, soffice.bin); a
time limit that killed only the program started would leave those running. `run_tool` starts the
program as the leader of a new session (process group) and kills the whole group when the limit is
reached or when the caller is interrupted.
"""

import os
import signal
import subprocess
import tempfile
import time

from .errors import ToolMissing, ToolTimeout

POLL_SECONDS = 0.5  # how often a running program is looked at (progress, time limit)


def run_tool(args, tool, timeout=None, progress=None, expected_seconds=None, env=None):
    """Run `args` (a list; args[0] the program) in its own process group with stdin and stdout
    closed; return (exit code, stderr as text, undecodable bytes replaced).

    `timeout` (seconds, None for none): past it the whole group is killed with SIGKILL and
    ToolTimeout(tool=`tool`, seconds=timeout) is raised. `progress`, when given, is called about every
    POLL_SECONDS with an estimated fraction done (0.0-0.95): the time spent over `expected_seconds`
    (default a third of `timeout`, or 60). `env`: the environment (default this process's).
    Raises ToolMissing(tool=`tool`) when the program does not exist or cannot be executed.
    """
    expected = expected_seconds or (timeout / 3 if timeout else 60.0)
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=errors, start_new_session=True, env=env)
        except (FileNotFoundError, PermissionError, NotADirectoryError) as error:
            raise ToolMissing(tool=tool) from error
        started = time.monotonic()
        try:
            while True:
                try:
                    returncode = process.wait(timeout=POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    elapsed = time.monotonic() - started
                    if timeout is not None and elapsed > timeout:
                        kill_group(process)
                        raise ToolTimeout(tool=tool, seconds=float(timeout)) from None
                    if progress is not None:
                        progress(min(0.95, elapsed / expected))
        except BaseException:
            kill_group(process)
            raise
        errors.seek(0)
        return returncode, errors.read().decode("utf-8", errors="replace")


def kill_group(process):
    """Kill (SIGKILL) the process group led by `process` (a Popen started with
    start_new_session=True) and reap it; nothing when it has already ended."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
