"""Every contact with durable_rules lives here, with a guard for each known trap.

- Background threads: `Host` starts timer threads that race with the caller (crashes, error
  307). We only use synchronous calls, so the host's `_run` is replaced with a no-op.
- A registered ruleset cannot be changed or freed: rulesets are named by the hash of their
  compiled form and registered once per process.
- `register_rulesets` mutates its argument: it is given a deep copy.
- `assert_facts` fails the whole batch ("not handled") if any fact matches no rule, after
  storing the earlier ones: a sentinel rule accepts every fact but never completes.
- `delete_state` segfaults when no action ever ran in a session: a start rule always fires.
- Exceptions raised inside actions are swallowed into the session state: they are recorded
  by our own action wrapper and the state is checked after every call.
- Fact identity is a hash of all fields unless a field `id` is present: every fact carries a
  unique `id`, checked before the batch is sent; a fact the engine still rejects as a
  duplicate raises instead of being lost, and its session is not cleaned up (cleanup after
  a rejected batch segfaults).
- A `none` condition is judged when a rule's other facts arrive and is not undone by a
  later fact: the compiler anchors such rules on an end marker, asserted here in a second
  call once every profile fact and every signal concluded from them is in.
- One host per process, used from one thread: other threads get an EngineError.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from durable import engine as _durable

from .compiler import ANCHOR_NAMES, END_KIND, START_KIND, CompiledRuleset
from .errors import EngineError
from .facts import Fact

SIGNAL_KIND = "signal"
_START_RULE = "$start"
_SENTINEL_RULE = "$sentinel"


@dataclass(frozen=True)
class Firing:
    """One rule firing: the rule and the id of each fact bound to a name."""

    rule_id: str
    bindings: tuple[tuple[str, str], ...]


@dataclass
class _Session:
    sid: str
    firings: list[Firing] = field(default_factory=list)
    signals: dict[str, Fact] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class _QuietHost(_durable.Host):  # type: ignore[misc]
    def _run(self) -> None:
        """No timer threads: every call here is synchronous."""


class RuleEngine:
    """The process's single durable_rules host, with its registered rulesets."""

    _instance: RuleEngine | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._host = _QuietHost()
        self._thread = threading.get_ident()
        self._registered: set[str] = set()
        self._sessions: dict[str, _Session] = {}
        self._counter = itertools.count(1)

    @classmethod
    def get(cls) -> RuleEngine:
        with cls._lock:
            if cls._instance is None:
                cls._instance = RuleEngine()
            return cls._instance

    def _check_thread(self) -> None:
        if threading.get_ident() != self._thread:
            raise EngineError(
                "the rules engine is not thread-safe; use one process per parallel worker"
            )

    def register(self, compiled: CompiledRuleset) -> None:
        """Register a compiled ruleset once; later calls with the same content are free."""
        self._check_thread()
        if compiled.name in self._registered:
            return
        definition = copy.deepcopy(compiled.definition)
        for rule_id, rule in definition.items():
            rule["run"] = self._action(rule_id, compiled.conclusions.get(rule_id))
        definition[_START_RULE] = {"all": [{"m": {"fact": START_KIND}}], "run": _noop}
        definition[_SENTINEL_RULE] = {
            "all": [{"m": {"$ex": {"fact": 1}}}, {"never": {"fact": "$never"}}],
            "run": _noop,
        }
        try:
            self._host.register_rulesets({compiled.name: definition})
        except Exception as exc:  # the C extension raises plain exceptions with a code
            raise EngineError(f"the engine rejected the compiled rule set: {exc}") from exc
        self._registered.add(compiled.name)

    def _action(self, rule_id: str, signal: str | None) -> Callable[[Any], None]:
        def run(c: Any) -> None:
            session = self._sessions.get(c.s.sid)
            if session is None:
                return
            try:
                matched: dict[str, Any] = c._m or {}
                bindings = tuple(
                    sorted(
                        (name, str(value["id"]))
                        for name, value in matched.items()
                        if isinstance(value, dict) and "id" in value and name not in ANCHOR_NAMES
                    )
                )
                session.firings.append(Firing(rule_id, bindings))
                if signal is not None:
                    fact_id = f"signal:{rule_id}:{next(self._counter)}"
                    fields = {"name": signal, "by": rule_id}
                    session.signals[fact_id] = Fact(fact_id, SIGNAL_KIND, (), fields)
                    c.assert_fact({**fields, "id": fact_id, "fact": SIGNAL_KIND})
            except Exception as exc:
                session.errors.append(f"{rule_id}: {type(exc).__name__}: {exc}")

        return run

    def evaluate(self, compiled: CompiledRuleset, facts: Iterable[Fact]) -> _Session:
        """Assert one profile's facts in a fresh session; return what fired."""
        self._check_thread()
        self.register(compiled)
        sid = f"s{next(self._counter)}"
        batch = [{"id": f"{sid}:start", "fact": START_KIND, "sid": sid}]
        batch += [f.engine_form(sid) for f in facts]
        ids = [f["id"] for f in batch]
        if len(set(ids)) != len(ids):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            # Caught here: the engine would reject the batch and then crash on cleanup.
            raise EngineError(f"two facts shared an identity ({', '.join(duplicates)})")
        session = _Session(sid)
        self._sessions[sid] = session
        started = False
        try:
            try:
                state = self._host.assert_facts(compiled.name, batch)
                started = True
                self._check(state, session)
                if compiled.needs_end:
                    end = {"id": f"{sid}:end", "fact": END_KIND, "sid": sid}
                    self._check(self._host.assert_fact(compiled.name, end), session)
            except _durable.MessageObservedException as exc:
                raise EngineError(
                    "the engine rejected a fact as a duplicate of another (identity collision)"
                ) from exc
            except _durable.MessageNotHandledException as exc:
                raise EngineError("a fact reached no rule despite the sentinel rule") from exc
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"the engine failed while evaluating: {exc}") from exc
        finally:
            del self._sessions[sid]
            # A rejected batch ran no action, and delete_state then segfaults: leave that
            # (small) session state in place instead.
            if started:
                try:
                    self._host.delete_state(compiled.name, sid)
                except Exception as exc:
                    raise EngineError(f"the engine could not clean up a session: {exc}") from exc
        return session

    @staticmethod
    def _check(state: Any, session: _Session) -> None:
        """Raise what an action raised: durable_rules only stores it in the session state."""
        swallowed = state.get("exception") if isinstance(state, dict) else None
        if swallowed or session.errors:
            raise EngineError(f"a rule action failed: {session.errors or swallowed}")


def _noop(c: Any) -> None:
    """Start and sentinel rules exist for their side effects on the engine, not for actions."""


def evaluate(
    compiled: CompiledRuleset, facts: Iterable[Fact]
) -> tuple[list[Firing], dict[str, Fact]]:
    """Evaluate facts against a compiled ruleset: (firings in engine order, signal facts)."""
    session = RuleEngine.get().evaluate(compiled, facts)
    return session.firings, session.signals


def compile_pattern(index: int, pattern: str) -> str:
    """'ok', or the engine's error code, for a one-rule ruleset matching `pattern` (`$imt`).

    Only for engine.patterncheck's child process: some patterns crash the process.
    """
    rule: dict[str, Any] = {
        "all": [{"m": {"$and": [{"fact": "$probe"}, {"$imt": {"t": pattern}}]}}]
    }
    rule["run"] = _noop
    try:
        RuleEngine.get()._host.register_rulesets({f"pattern-{index}": {"r": rule}})
    except Exception as exc:  # the C extension raises plain exceptions with a code
        text = str(exc)
        return text.rsplit(" ", 1)[-1] if "error code" in text else "error"
    return "ok"
