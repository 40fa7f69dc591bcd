"""Every contact with durable_rules lives here, with a guard for each known trap.

- Background threads: `Host` starts timer threads that race with the caller (crashes, error
  307). We only use synchronous calls, so the host's `_run` is replaced with a no-op.
- A registered ruleset cannot be changed or freed: rulesets are named by the hash of their
  compiled form and registered once per process.
- `register_rulesets` sets and removes each rule's "run" in its argument: it is given a copy
  of each rule's outer mapping.
- `assert_facts` fails the whole batch ("not handled") if any fact matches no rule, after
  storing the earlier ones: a sentinel rule accepts every fact but never completes.
- `delete_state` segfaults when no action ever ran in a session: a start rule always fires.
- durable_rules' own Python loop of actions builds a context object, reads the clock and
  writes the session state back as JSON for every action, and swallows exceptions raised in
  an action into the state. Actions are run here instead, by a loop over the C engine's own
  calls (`start_action_for_state`, `complete_and_start_action`): each action is given the
  facts it matched, an exception in it is recorded and raised after the call, and the state
  text is handed back unchanged (no action changes it).
- Fact identity is a hash of all fields unless a field `id` is present: every fact carries a
  unique `id`, checked before the batch is sent; a fact the engine still rejects as a
  duplicate raises instead of being lost, and its session is not cleaned up (cleanup after
  a rejected batch segfaults).
- A `none` condition is judged when a rule's other facts arrive and is not undone by a
  later fact: the compiler anchors such rules on an end marker, asserted here in a second
  call once every profile fact and every signal concluded from them is in.
- Work abandoned after ten seconds: durable_rules' own loop silently stops running a
  session's remaining actions once an action finishes more than ten seconds after it started
  (a large profile, or a process paused mid-run). The loop here has no such cut-off, and
  every call is checked for completeness anyway: the result must be this session's state,
  the engine must hold no action still pending for it, and every fact and signal asserted
  must be stored in the session.
- A call that runs no action returns no state, so "no state" could not be told from "work
  abandoned": a rule on the end marker always fires, so every call returns the state.
- One host per process, used from one thread: other threads get an EngineError. A process
  forked from this one (a parallel worker) hands the inherited host to its only thread.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as _c
from durable import engine as _durable

from ssa_risk.base.errors import EngineError
from ssa_risk.evaluation.compiler import ANCHOR_NAMES, END_KIND, START_KIND, CompiledRuleset
from ssa_risk.profile.facts import Fact

SIGNAL_KIND = "signal"
# Internal rule names start with '$', which rule ids may not (rules/schema.py), so a rule of
# the rule set can never replace one of them.
_START_RULE = "$start"
_SENTINEL_RULE = "$sentinel"
_END_RULE = "$end"
INTERNAL_RULES = frozenset({_START_RULE, _SENTINEL_RULE, _END_RULE})


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
    actions: int = 0  # every action the engine ran for this session, internal rules included
    asserted: list[dict[str, Any]] = field(default_factory=list)  # signals to assert next
    completed: bool = False  # an action of this session ran to its end


class _QuietHost(_durable.Host):  # type: ignore[misc]
    def _run(self) -> None:
        """No timer threads: every call here is synchronous."""


Action = Callable[["_Session", dict[str, Any]], None]


class RuleEngine:
    """The process's single durable_rules host, with its registered rulesets."""

    _instance: RuleEngine | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._host = _QuietHost()
        self._thread = threading.get_ident()
        self._registered: dict[str, tuple[Any, dict[str, Action]]] = {}  # name → handle, actions
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
        # durable_rules sets and removes each rule's "run" and reads the rest: a copy of the
        # outer two levels keeps the compiled rule set as it was.
        definition = {name: dict(rule) for name, rule in compiled.definition.items()}
        clash = sorted(INTERNAL_RULES & set(definition))
        if clash:
            # The loader refuses such ids; this is the last line of defence.
            raise EngineError(f"rule ids {', '.join(clash)} are reserved for the engine")
        actions: dict[str, Action] = {
            name: self._action(
                compiled.rule_id(name), compiled.conclusions.get(compiled.rule_id(name))
            )
            for name in definition
        }
        actions[_START_RULE] = actions[_END_RULE] = _count
        definition[_START_RULE] = {"all": [{"m": {"fact": START_KIND}}]}
        definition[_END_RULE] = {"all": [{"m": {"fact": END_KIND}}]}
        definition[_SENTINEL_RULE] = {
            "all": [{"m": {"$ex": {"fact": 1}}}, {"never": {"fact": "$never"}}]
        }
        for rule in definition.values():
            rule["run"] = _noop  # durable_rules wants one; actions are run by `_run` instead
        try:
            self._host.register_rulesets({compiled.name: definition})
            handle = self._host.get_ruleset(compiled.name)._handle
        except Exception as exc:  # the C extension raises plain exceptions with a code
            raise EngineError(f"the engine rejected the compiled rule set: {exc}") from exc
        self._registered[compiled.name] = (handle, actions)

    def _action(self, rule_id: str, signal: str | None) -> Action:
        def run(session: _Session, matched: dict[str, Any]) -> None:
            session.actions += 1
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
                session.asserted.append(
                    {**fields, "id": fact_id, "fact": SIGNAL_KIND, "sid": session.sid}
                )

        return run

    def evaluate(self, compiled: CompiledRuleset, facts: Iterable[Fact]) -> _Session:
        """Assert one profile's facts in a fresh session; return what fired."""
        self._check_thread()
        self.register(compiled)
        handle, actions = self._registered[compiled.name]
        sid = f"s{next(self._counter)}"
        batch = [{"id": f"{sid}:start", "fact": START_KIND, "sid": sid}]
        batch += [f.engine_form(sid) for f in facts]
        ids = [f["id"] for f in batch]
        if len(set(ids)) != len(ids):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            # Caught here: the engine would reject the batch and then crash on cleanup.
            raise EngineError(f"two facts shared an identity ({', '.join(duplicates)})")
        session = _Session(sid)
        completed = False
        try:
            state = self._run(handle, actions, session, _c.assert_facts, batch)
            self._check(handle, state, session)
            end = {"id": f"{sid}:end", "fact": END_KIND, "sid": sid}
            self._check(handle, self._run(handle, actions, session, _c.assert_fact, end), session)
            self._check_complete(handle, session, len(batch) + 1)
            completed = True
        except EngineError:
            raise
        except Exception as exc:  # the C extension raises plain exceptions with a code
            raise EngineError(f"the engine failed while evaluating: {exc}") from exc
        finally:
            # A rejected batch ran no action, and delete_state then segfaults: leave that
            # (small) session state in place instead.
            if session.completed:
                self._delete(handle, sid, report=completed)
        return session

    def _run(
        self,
        handle: Any,
        actions: dict[str, Action],
        session: _Session,
        call: Callable[[Any, str], Any],
        payload: Any,
    ) -> Any:
        """Assert `payload` with `call`, then run every action it leads to, in the engine's
        order; return the session state (None when no action ran, 0 when the engine gave up)."""
        state = self._result(call(handle, json.dumps(payload, ensure_ascii=False)))
        if state is None:
            return 0  # what durable_rules itself returns when the engine gave no state
        started = _c.start_action_for_state(handle, state)
        if not started:
            return None
        state_text, message = started[0], json.loads(started[1])
        while True:
            name, matched = next(iter(message.items()))
            try:
                actions[name](session, matched if isinstance(matched, dict) else {})
            except Exception as exc:
                session.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            try:
                # Signals concluded by the action go in before the next action is taken.
                while session.asserted:
                    fact = json.dumps(session.asserted.pop(0), ensure_ascii=False)
                    self._result(_c.assert_fact(handle, fact))
                _c.update_state(handle, state_text)
                following = _c.complete_and_start_action(handle, state)
            except BaseException:
                # The session's remaining actions are completed without being run, so that
                # the engine holds none for a later session to find, and its state can be
                # deleted; the error goes on up.
                with contextlib.suppress(Exception):
                    _c.update_state(handle, state_text)
                    while _c.complete_and_start_action(handle, state):
                        pass
                    session.completed = True
                raise
            session.completed = True  # an action ran to its end: the state can be deleted
            if not following:
                return json.loads(state_text)
            message = json.loads(following)

    @staticmethod
    def _result(result: Any) -> Any:
        """The state handle of an assert call (None when it gave none), or an EngineError for
        a fact it refused."""
        code = result[0]
        if code == 1:
            raise EngineError("a fact reached no rule despite the sentinel rule")
        if code == 2:
            raise EngineError(
                "the engine rejected a fact as a duplicate of another (identity collision)"
            )
        if code == 3:
            return None
        return result[1]

    def _delete(self, handle: Any, sid: str, report: bool) -> None:
        """Free a session's state; a failure is raised only if the run itself succeeded."""
        try:
            _c.delete_state(handle, sid)
        except Exception as exc:
            if report:
                raise EngineError(f"the engine could not clean up a session: {exc}") from exc

    def _check(self, handle: Any, state: Any, session: _Session) -> None:
        """Every call returns this session's state; raise what an action raised in it."""
        if not isinstance(state, dict) or state.get("sid") != session.sid:
            raise EngineError(
                f"the engine stopped before finishing (it returned {state!r} instead of the "
                f"session state after {_actions(session)}); the assessment would be "
                "incomplete, so none is given"
            )
        if session.errors:
            raise EngineError(f"a rule action failed: {session.errors}")
        # None when no action is waiting; an action still locked by a run that was cut off
        # is not reported here, which the state check covers.
        if _c.start_action(handle) is not None:
            raise EngineError(
                f"the engine left actions unfinished after {_actions(session)}; the "
                "assessment would be incomplete, so none is given"
            )

    def _check_complete(self, handle: Any, session: _Session, sent: int) -> None:
        """Every fact sent and every signal concluded is stored in the session."""
        stored = json.loads(_c.get_facts(handle, session.sid))
        expected = sent + len(session.signals)
        if not isinstance(stored, list) or len(stored) != expected:
            count = len(stored) if isinstance(stored, list) else stored
            raise EngineError(
                f"the engine stored {count} facts where {expected} were asserted "
                f"({sent} from the profile and markers, {len(session.signals)} signals); the "
                "assessment would be incomplete, so none is given"
            )


def _adopt_after_fork() -> None:
    """In a forked child (a worker of base/parallel.py) the only thread is the one that
    forked: it owns the engine inherited from the parent, whichever thread used it there."""
    RuleEngine._lock = threading.Lock()  # another thread of the parent may have held it
    if RuleEngine._instance is not None:
        RuleEngine._instance._thread = threading.get_ident()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_adopt_after_fork)


def _actions(session: _Session) -> str:
    return f"{session.actions} action" + ("" if session.actions == 1 else "s")


def _noop(c: Any) -> None:
    """What durable_rules is given as every rule's action; it never runs."""


def _count(session: _Session, matched: dict[str, Any]) -> None:
    """The start and end rules' action: they exist so that every call runs an action."""
    session.actions += 1


def evaluate(
    compiled: CompiledRuleset, facts: Iterable[Fact]
) -> tuple[list[Firing], dict[str, Fact]]:
    """Evaluate facts against a compiled ruleset: (firings in engine order, signal facts)."""
    session = RuleEngine.get().evaluate(compiled, facts)
    return session.firings, session.signals
