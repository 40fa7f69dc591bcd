"""Jinja sandboxes for rule narratives and report templates, with limits on the work they do.

Both narratives (a rule's `because` text) and templates (`--templates DIR`) are written by
users, so both render in `jinja2.sandbox`: no attribute starting with `_`, no unsafe callables.
On top of that, a render may not

- write more than `Limits.output` characters (every `{{ … }}` and every piece of template
  text counts, also inside `{% set %}` blocks and macros);
- take more than `Limits.steps` steps (one step per loop item, macro call or function call);
- build one text or list longer than `Limits.value` items (`'x' * 10**9`, `join`, `replace`,
  `center`, `'%*s'` widths …), or produce more than `Limits.work` characters in all;
- compute an integer over `MAX_INT_BITS` bits (`9 ** 999999999`);
- nest macro calls deeper than `Limits.depth` (a macro that calls itself), or include and
  extend templates in a loop.

Each limit raises `LimitError`, which callers turn into an InputError naming the file.
Non-deterministic and unneeded globals (`cycler`, `joiner`, `lipsum`) and the `random`
filter are removed, so the same inputs always give the same text.
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

# 2**10000 has 3011 digits: far beyond any amount, year or score a report shows.
MAX_INT_BITS = 10_000

# Exceptions a user's template or narrative can raise by itself (`{{ 1/0 }}`, `|sum` on text,
# `'%s%s' % (x,)`, a float overflow): reported as a mistake in that file, not as a bug.
USER_ERRORS: tuple[type[BaseException], ...] = (
    ArithmeticError,
    TypeError,
    ValueError,
    LookupError,
    AttributeError,
)

_LOOP_FILTER = "_counted_loop"
# Values Jinja may wrap when a template reads them (a text's `format` method).
_METHODS = (types.MethodType, types.BuiltinMethodType)


@dataclass(frozen=True)
class Limits:
    output: int  # characters written
    steps: int  # loop items, macro and function calls
    value: int  # length of one text or list built by an operation
    work: int  # characters built by operations, in all
    depth: int  # nested macro calls


# Templates one render may load: the bundled reports load three at most.
MAX_TEMPLATE_LOADS = 100


class LimitError(Exception):
    """A narrative or template did more work than allowed."""

    def __init__(self, message: str, fix: str) -> None:
        self.message = message
        self.fix = fix
        super().__init__(message)


class _Budget:
    __slots__ = (
        "depth",
        "limits",
        "loads",
        "max_output",
        "max_steps",
        "max_value",
        "max_work",
        "output",
        "steps",
        "work",
    )

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        # The limits checked most often, read without going through `limits`.
        self.max_output = limits.output
        self.max_steps = limits.steps
        self.max_value = limits.value
        self.max_work = limits.work
        self.output = 0
        self.steps = 0
        self.work = 0
        self.depth = 0
        self.loads = 0  # templates included, imported or extended during this render

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            self.too_many_steps()

    def too_many_steps(self) -> None:
        raise LimitError(
            f"takes more than {self.limits.steps:,} steps (loop items and calls)",
            "loop over fewer items: a loop inside a loop multiplies the steps",
        )

    def too_much_output(self) -> None:
        raise LimitError(
            f"writes more than {self.limits.output:,} characters",
            "write less: loop over fewer items and do not repeat large texts",
        )

    def check_length(self, length: int) -> None:
        if length > self.limits.value:
            raise LimitError(
                f"builds a text or list longer than {self.limits.value:,}",
                "repeat, pad or join less",
            )

    def built(self, value: Any) -> Any:
        if isinstance(value, _SIZED):
            length = len(value)
            if length > self.max_value:
                self.check_length(length)
            self.work += length
            if self.work > self.max_work:
                raise LimitError(
                    f"builds more than {self.limits.work:,} characters of text in all",
                    "build texts once, outside loops, instead of growing them step by step",
                )
        elif isinstance(value, int) and not isinstance(value, bool):
            check_bits(value.bit_length())
        return value


# What `built` measures (a tuple, not `str | list | tuple`: isinstance is faster with it).
_SIZED = (str, list, tuple)


def check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise LimitError(
            f"computes a number of more than {MAX_INT_BITS:,} bits (about 3,000 digits)",
            "use smaller exponents and products",
        )


_budget: ContextVar[_Budget | None] = ContextVar("sandbox_budget", default=None)
_OUTSIDE = "a sandboxed template was rendered outside sandbox.render"


def _current() -> _Budget:
    budget = _budget.get()
    if budget is None:
        raise RuntimeError(_OUTSIDE)
    return budget


def render(template: Any, limits: Limits, context: dict[str, Any]) -> str:
    """Render a template of a limited environment; LimitError when a limit is hit."""
    token = _budget.set(_Budget(limits))
    try:
        return str(template.render(context))
    finally:
        _budget.reset(token)


class _CountingCodeGenerator(CodeGenerator):
    """Counts every character a template writes, into its output or into a buffer.

    Jinja writes each piece of an output run (text, `{{ … }}`, text, …) on its own; here the
    pieces of one run are evaluated in order, counted together and written as one text, by
    one call to `count_output`: the count is exact and is checked before the pieces are
    joined, so a run never builds a text past the limit. A report writes a few thousand runs
    instead of three times as many pieces."""

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        if frame.require_output_check and self.has_known_extends:
            return  # a template that extends another writes nothing outside its blocks
        # Jinja writes the run's pieces into a list of this run's own; the list is then
        # counted and written, or added to the enclosing buffer, as one text.
        run = self.temporary_identifier()
        self.writeline(f"{run} = []", node)
        inner = frame.copy()
        inner.buffer = run
        super().visit_Output(node, inner)
        if frame.buffer is None:
            self.writeline(f"yield environment.count_output(*{run})")
        else:
            self.writeline(f"{frame.buffer}.append(environment.count_output(*{run}))")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.count_built(")
        super().visit_Concat(node, frame)
        self.write(")")


_WIDTH = re.compile(r"\d+")


def _check_format_text(budget: _Budget, text: str) -> None:
    """A width in a format string ('%999999999s', '{:>999999999}') pads to that many."""
    for digits in _WIDTH.findall(text):
        if len(digits) > 12 or int(digits) > budget.limits.value:
            budget.check_length(budget.limits.value + 1)


def _check_int_args(budget: _Budget, args: Iterable[Any]) -> None:
    """A width, count or size argument over the value limit would build too much."""
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > budget.limits.value:
            budget.check_length(abs(arg))


def _check_join(budget: _Budget, items: list[Any], sep: str) -> None:
    length = len(sep) * max(len(items) - 1, 0)
    for item in items:  # each item's text, as join writes it
        length += len(item) if type(item) is str else len(str(item))
    budget.check_length(length)


def _check_replace(budget: _Budget, text: str, old: Any, new: Any) -> None:
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        count = text.count(old) if old else len(text) + 1
        budget.check_length(len(text) + count * (len(new) - len(old)))


def _check_join_filter(budget: _Budget, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    value, rest = list(args[0]), args[1:]
    sep = rest[0] if rest else kwargs.get("d", "")
    _check_join(budget, value, str(sep))
    return value


def _check_replace_filter(budget: _Budget, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    value, rest = args[0], args[1:]
    if isinstance(value, str) and len(rest) >= 2:
        _check_replace(budget, value, rest[0], rest[1])
    return value


def _check_indent_filter(budget: _Budget, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    value, rest = args[0], args[1:]
    if isinstance(value, str):
        width = rest[0] if rest else kwargs.get("width", 4)
        pad = len(width) if isinstance(width, str) else int(width)
        budget.check_length(len(value) + (value.count("\n") + 1) * pad)
    return value


def _check_wordwrap_filter(budget: _Budget, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    value, rest = args[0], args[1:]
    if isinstance(value, str):
        width = rest[0] if rest else kwargs.get("width", 79)
        wrap = rest[2] if len(rest) > 2 else kwargs.get("wrapstring") or "\n"
        budget.check_length(len(value) + (len(value) // max(int(width), 1) + 1) * len(wrap))
    return value


def _check_format_filter(budget: _Budget, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    value = args[0]
    if isinstance(value, str):
        _check_format_text(budget, value)
    return value


def _check_sum_filter(budget: _Budget, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    rest = args[1:]
    start = rest[1] if len(rest) > 1 else kwargs.get("start", 0)
    if not isinstance(start, int | float):
        raise TypeError("'sum' adds numbers; its 'start' must be a number")
    return args[0]


# Filters that can build more than their result shows, or fail in a way Jinja does not word:
# checked before they run, on the value (the first argument after any context) and the rest
# of their arguments; each check returns the value to pass on (join's items, read once).
_FILTER_CHECKS: dict[str, Callable[[_Budget, tuple[Any, ...], dict[str, Any]], Any]] = {
    "join": _check_join_filter,
    "replace": _check_replace_filter,
    "indent": _check_indent_filter,
    "wordwrap": _check_wordwrap_filter,
    "format": _check_format_filter,
    "sum": _check_sum_filter,
}


def _checked_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    offset = 1 if hasattr(func, "jinja_pass_arg") else 0
    check = _FILTER_CHECKS.get(name)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        budget = _current()
        budget.steps += 1  # budget.step(), inline
        if budget.steps > budget.max_steps:
            budget.too_many_steps()
        if len(args) > offset + 1 or kwargs:
            _check_int_args(budget, [*args[offset + 1 :], *kwargs.values()])
        if check is not None:
            value = check(budget, args[offset:], kwargs)
            if value is not args[offset]:
                args = (*args[:offset], value, *args[offset + 1 :])
        return budget.built(func(*args, **kwargs))

    return wrapper


class _LimitedMixin(SandboxedEnvironment):
    """A sandbox whose operators, calls, loops and output are counted against limits."""

    code_generator_class = _CountingCodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def setup_limits(self) -> None:
        # type of the object → attribute → whether a template may read it; see
        # is_safe_attribute.
        self._safe_attributes: dict[type, dict[str, bool]] = {}
        # type of the object → whether `obj[name]` always fails (TypeError): see getitem.
        self._unsubscriptable: dict[type, bool] = {}
        for name in ("cycler", "joiner", "lipsum"):
            self.globals.pop(name, None)
        self.filters.pop("random", None)
        self.filters = {name: _checked_filter(name, func) for name, func in self.filters.items()}
        self.filters[_LOOP_FILTER] = _counted_items

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        # Every loop's items are counted, one step each: nested loops cannot run away.
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(
                loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.lineno
            )
        return tree

    def get_template(self, *args: Any, **kwargs: Any) -> Any:
        budget = _budget.get()
        if budget is not None:
            # Every include, import or extends loads a template: a template that extends or
            # includes itself would otherwise render again and again until another limit.
            budget.loads += 1
            if budget.loads > MAX_TEMPLATE_LOADS:
                raise LimitError(
                    f"includes, imports or extends templates more than {MAX_TEMPLATE_LOADS} "
                    "times in one report",
                    "remove the cycle: a template must not include or extend itself, directly "
                    "or through another",
                )
        return super().get_template(*args, **kwargs)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's answer, remembered: it depends only on the attribute's name and the
        object's type (its isinstance checks), never on the value, and a report reads the
        same few attributes of its dataclasses tens of thousands of times. An object that
        claims another class (`__class__` not its type) is asked every time."""
        kind = type(obj)
        if obj.__class__ is not kind:
            return bool(super().is_safe_attribute(obj, attr, value))
        known = self._safe_attributes.setdefault(kind, {})
        safe = known.get(attr)
        if safe is None:
            safe = known[attr] = bool(super().is_safe_attribute(obj, attr, value))
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Jinja's sandboxed `obj.attribute`, with a short way for an attribute already found
        safe on this type whose value is not a method (so not `str.format`, which Jinja
        wraps): the value itself, as Jinja would return it. Anything else goes Jinja's way."""
        kind = type(obj)
        known = self._safe_attributes.get(kind)
        if known is not None and known.get(attribute) and obj.__class__ is kind:
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                pass
            else:
                if not isinstance(value, _METHODS):
                    return value
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Jinja's sandboxed `obj[argument]`, which filters such as `map(attribute=…)`,
        `selectattr` and `sort(attribute=…)` use for each item: for an object that cannot be
        subscripted (a dataclass), Jinja tries `obj[argument]`, catches the TypeError and
        reads the attribute; here an attribute already found safe is read directly."""
        kind = type(obj)
        if type(argument) is str and obj.__class__ is kind:
            unsubscriptable = self._unsubscriptable.get(kind)
            if unsubscriptable is None:
                # A class (an instance of `type`) may be subscripted by __class_getitem__.
                unsubscriptable = self._unsubscriptable[kind] = not (
                    hasattr(kind, "__getitem__") or issubclass(kind, type)
                )
            if unsubscriptable:
                return self.getattr(obj, argument)
        return super().getitem(obj, argument)

    def count_output(self, *pieces: str) -> str:
        """The pieces of one output run, joined, once their length is counted."""
        # _current(), inline: a report writes thousands of runs.
        budget = _budget.get()
        if budget is None:
            raise RuntimeError(_OUTSIDE)
        budget.output += sum(map(len, pieces))
        if budget.output > budget.max_output:
            budget.too_much_output()
        return pieces[0] if len(pieces) == 1 else "".join(pieces)

    def count_built(self, value: Any) -> Any:
        return _current().built(value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = _current()
        if operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1:
            if right > 0:
                check_bits(left.bit_length() * right)
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and _is_int(times):
                    budget.check_length(len(seq) * max(times, 0))
            if _is_int(left) and _is_int(right):
                check_bits(left.bit_length() + right.bit_length())
        elif operator == "%" and isinstance(left, str):
            _check_format_text(budget, left)
            if "*" in left:
                _check_int_args(budget, right if isinstance(right, tuple) else (right,))
        return budget.built(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = _current()
        budget.step()
        kind = type(__obj)
        if kind is types.FunctionType or (
            kind is types.MethodType
            and type(__obj.__func__) is types.FunctionType
            and not isinstance(__obj.__self__, str)
        ):
            # A plain Python function, or a method of an object that is not a text: the
            # common case (value_text, Digest.of …), answered here instead of by the checks
            # below and Jinja's. With no attribute of its own, nothing marks it unsafe
            # (`unsafe_callable`, `alters_data`), wrapped (`__wrapped__`) or asking for the
            # context (`jinja_pass_arg`): Jinja would call it with the arguments as given.
            function = __obj if kind is types.FunctionType else __obj.__func__
            if not function.__dict__:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
                try:
                    value = __obj(*args, **kwargs)
                except StopIteration:
                    # As Jinja does: an undefined value, not an exception (which would end
                    # the generator writing the report).
                    return __context.environment.undefined(
                        f"{function.__name__}() ended with StopIteration instead of a value"
                    )
                return budget.built(value)
        if isinstance(__obj, LoopContext) and args:
            # `loop(children)` in a recursive loop: its items are counted too.
            args = (_counted_items(args[0]), *args[1:])
        target = getattr(__obj, "__wrapped__", __obj)
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            method = getattr(target, "__name__", "")
            _check_int_args(budget, [*args, *kwargs.values()])
            if method in ("format", "format_map"):
                _check_format_text(budget, owner)
            elif method == "join" and args:
                items = list(args[0])
                _check_join(budget, items, owner)
                args = (items, *args[1:])
            elif method == "replace" and len(args) >= 2:
                _check_replace(budget, owner, args[0], args[1])
        if not isinstance(__obj, Macro):
            return budget.built(super().call(__context, __obj, *args, **kwargs))
        budget.depth += 1
        try:
            if budget.depth > budget.limits.depth:
                raise LimitError(
                    f"nests macro calls more than {budget.limits.depth} deep",
                    "give a macro that calls itself a case where it stops",
                )
            return budget.built(super().call(__context, __obj, *args, **kwargs))
        finally:
            budget.depth -= 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _counted_items(items: Any) -> Iterator[Any]:
    budget = _current()
    limit = budget.max_steps
    for item in items:
        # budget.step(), inline: the loops of a report take thousands of steps.
        budget.steps += 1
        if budget.steps > limit:
            budget.too_many_steps()
        yield item


class LimitedSandbox(_LimitedMixin, SandboxedEnvironment):
    """For report templates: sandboxed, limited."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.setup_limits()


class ImmutableLimitedSandbox(_LimitedMixin, ImmutableSandboxedEnvironment):
    """For rule narratives: sandboxed, limited, and no list or dict can be changed."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.setup_limits()
