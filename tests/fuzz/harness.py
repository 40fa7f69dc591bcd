"""Run fuzz cases in a worker subprocess and judge the results against the properties."""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import select
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
HEADER = struct.Struct(">I")
ALLOWED_EXITS = {0, 2, 3}
# One problem per line: `where: problem — fix`.
PROBLEM_LINE = re.compile(r"^\S.*?: .+ — .+$")
# Commands that list problems on stdout, and the summary line they end with.
STDOUT_SUMMARY = {
    "validate": re.compile(r"^\d+ problems? in \d+ of \d+ profiles?$"),
    "rules lint": re.compile(r"^\d+ error\(s\), \d+ warning\(s\)$"),
}


@dataclass
class Case:
    """One run of the CLI: the input files it needs (relative paths), its arguments, and what
    a good run leaves behind."""

    strategy: str
    files: dict[str, bytes]
    args: list[str]
    # Files a successful run writes (relative to its folder); a failed run writes none.
    outputs: list[str] = field(default_factory=list)
    # (profile, rules folder): compare durable_rules with the Python evaluator when both load.
    cross_check: tuple[str, str] | None = None
    # The file the strategy changed, for naming and sizing a reproduction.
    subject: str = ""
    # How the strategy made it (the mutations applied), for the reader of a reproduction.
    note: str = ""

    def size(self) -> int:
        return len(self.files.get(self.subject, b"")) + sum(len(a) for a in self.args)


def read_message(stream: IO[bytes]) -> Any:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    return pickle.loads(stream.read(size))


def write_message(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


class Worker:
    """A `tests.fuzz.worker` process; restarted after it dies, hangs or has run `recycle` cases
    (durable_rules never frees a registered rule set, so a long-lived worker only grows)."""

    def __init__(self, timeout: float = 10.0, recycle: int = 400) -> None:
        self.timeout = timeout
        self.recycle = recycle
        self.proc: subprocess.Popen[bytes] | None = None
        self.done = 0
        self.case: Case | None = None
        self.started = 0.0
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the worker)

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONFAULTHANDLER": "1"}
        self.log.seek(0)
        self.log.truncate()
        self.done = 0
        return subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.worker"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )

    def submit(self, case: Case) -> None:
        if self.proc is None or self.proc.poll() is not None or self.done >= self.recycle:
            self.stop()
            self.proc = self._spawn()
        assert self.proc.stdin is not None
        self.case = case
        self.started = time.monotonic()
        with contextlib.suppress(BrokenPipeError):  # a death, seen by collect()
            write_message(self.proc.stdin, case)

    def fileno(self) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        return self.proc.stdout.fileno()

    def expired(self) -> bool:
        return self.case is not None and time.monotonic() - self.started > self.timeout

    def collect(self) -> dict[str, Any]:
        """The result of the submitted case (call when readable or expired)."""
        assert self.proc is not None and self.proc.stdout is not None
        self.case = None
        elapsed = time.monotonic() - self.started
        if elapsed > self.timeout and not select.select([self.proc.stdout], [], [], 0)[0]:
            self.stop()
            return {"hang": elapsed}
        result = None
        with contextlib.suppress(EOFError, pickle.UnpicklingError, OSError):
            result = read_message(self.proc.stdout)
        if result is None:
            code = self.proc.wait()
            self.log.seek(0)
            tail = self.log.read()[-3000:].decode("utf-8", "replace")
            self.proc = None
            return {"died": code, "log": tail}
        self.done += 1
        result["seconds"] = elapsed
        return dict(result)

    def run(self, case: Case) -> dict[str, Any]:
        """Submit one case and wait for its result (or its time limit)."""
        self.submit(case)
        assert self.proc is not None and self.proc.stdout is not None
        select.select([self.proc.stdout], [], [], self.timeout + 0.1)
        return self.collect()

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
        self.proc = None


def _normalise(text: str) -> str:
    """A failure's text without the parts that vary from case to case, for grouping."""
    text = re.sub(r"/tmp/\S+|case-\w+|\b[\w/]+\.(yaml|j2|json)\b", "FILE", text)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"#x[0-9a-fA-F]+", "#xN", text)
    text = re.sub(r"\d+", "N", text)
    return text[:120]


def failures(case: Case, result: dict[str, Any]) -> list[tuple[str, str]]:
    """Every property the run broke, as (signature for grouping, detail)."""
    if "hang" in result:
        found = [("hang", f"no answer within {result['hang']:.1f} s")]
    elif "died" in result:
        code = result["died"]
        kind = f"signal {-code}" if code < 0 else f"worker exit {code}"
        found = [(f"died: {kind}", result["log"][-1500:])]
    else:
        found = _broken(case, result)
    return [(f"{case.strategy}: {sig}", detail) for sig, detail in found]


def _broken(case: Case, result: dict[str, Any]) -> list[tuple[str, str]]:
    """The properties a run that finished broke."""
    found: list[tuple[str, str]] = []
    exit_code, out, err = result["exit"], result["stdout"], result["stderr"]
    if result["escaped"]:
        last = result["escaped"].strip().splitlines()[-1]
        found.append((f"uncaught: {_normalise(last)}", result["escaped"]))
    if exit_code not in ALLOWED_EXITS:
        first = (err.strip().splitlines() or ["(no message)"])[0]
        found.append((f"exit {exit_code}: {_normalise(first)}", err[-1500:]))
    if "Traceback (most recent call last)" in out + err:
        found.append(("traceback printed", (out + err)[-1500:]))
    if exit_code == 2:
        lines = err.splitlines()
        command = " ".join(case.args[:2]) if case.args[0] == "rules" else case.args[0]
        if not err.strip() and command in STDOUT_SUMMARY:
            summary = STDOUT_SUMMARY[command]
            lines = [x for x in out.splitlines() if not summary.match(x)]
        if not err.strip() and command == "rules test":
            lines = []  # a test report on stdout: failed examples, not problem lines
            if "FAIL " not in out:
                found.append(("rules test: exit 2 without a failed example", out[-500:]))
        elif not any(x.strip() for x in lines):
            found.append(("exit 2 without a message", out[-500:]))
        for line in lines:
            if not PROBLEM_LINE.match(line):
                found.append((f"not a problem line: {_normalise(line)}", line[:500]))
                break
    temporary = [p for p in result["created"] if p.endswith(".tmp")]
    if temporary:
        found.append(("temporary file left", ", ".join(temporary)))
    created = set(result["created"]) - set(temporary)
    if exit_code in (0, 3) and case.outputs and created != set(case.outputs):
        found.append(("incomplete output", f"wrote {sorted(created)}, wanted {case.outputs}"))
    if exit_code not in (0, 3) and created:
        found.append(("partial output", f"exit {exit_code} but wrote {sorted(created)}"))
    cross = result["cross"]
    if cross is not None:
        if "error" in cross:
            last = cross["error"].strip().splitlines()[-1]
            found.append((f"cross-check raised: {_normalise(last)}", cross["error"]))
        elif cross["engine"] != cross["oracle"]:
            engine, oracle = set(cross["engine"]), set(cross["oracle"])
            found.append(
                (
                    "cross-check: durable_rules and the evaluator disagree",
                    f"only durable_rules fired {sorted(engine - oracle)}; "
                    f"only the evaluator fired {sorted(oracle - engine)}",
                )
            )
    return found
