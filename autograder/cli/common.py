"""What the course's command lines share: one group class, one exit-status rule, defaults.

Every group (`dlcourse`, `dlcourse quiz`, `dlcourse gradebook`) is a
`CourseGroup`: a `CourseError` (see `autograder.errors`) or a missing file
becomes one `error:` line on stderr and exit status 2. `default` reads an
option's default from the plain function a command wraps, so it is written
once, where the function is.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import inspect
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from autograder.errors import EXIT_ERROR, EXIT_NO, EXIT_OK, CourseError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "EXIT_ERROR",
    "EXIT_NO",
    "EXIT_OK",
    "CourseGroup",
    "DefaultOption",
    "console",
    "default",
    "default_of",
    "feedback_languages",
    "finish",
    "own_process",
]


class CourseGroup(click.Group):
    """A click group whose expected errors are one readable line and exit status 2.

    `lazy` names commands by "module:attribute", imported only when that command
    runs or --help lists it: `dlcourse check` loads nothing of the quizzes.
    """

    group_class = type  # subgroups made with @group.group() are CourseGroups too

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (CourseError, FileNotFoundError) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


def console() -> Console:
    """The console every view prints to (rich is imported when something is shown)."""
    from rich.console import Console

    return Console(highlight=False, emoji=False)


def default(function: Callable[..., Any], name: str) -> Any:
    """The default of keyword argument `name` of `function` (what an option's default is)."""
    parameter = inspect.signature(function).parameters[name]
    if parameter.default is inspect.Parameter.empty:
        raise TypeError(f"{function.__qualname__}({name}) has no default")
    return parameter.default


def default_of(target: str, name: str) -> Callable[[], Any]:
    """An option default read, when the option is parsed, from `module:function`'s keyword
    argument `name`: the function's module is imported only by the command that uses it."""

    def read() -> Any:
        module, _, function = target.partition(":")
        return default(getattr(importlib.import_module(module), function), name)

    read.__name__ = f"default of {target}({name})"
    return read


class DefaultOption(click.Option):
    """An option whose default is read from the function it feeds (`default_of`): shown by
    --help as the value itself, not as "(dynamic)"."""

    def get_default(self, ctx: click.Context, call: bool = True) -> Any:
        return super().get_default(ctx, call=True)


def feedback_languages() -> list[str]:
    """The languages feedback can be rendered in: English and every catalog's language."""
    from autograder.feedback.catalogs import languages

    return list(languages())


def own_process() -> bool:
    """Is the command writing to its process's own streams (not under click's CliRunner or
    a capture), so that the process ends with it?"""
    return sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__


def finish(code: int) -> NoReturn:
    """End a one-shot command (`dlcourse check`) with exit status `code`.

    In its own process (`own_process`), it runs the exit handlers (the
    sandbox's clean-up among them), flushes what was printed and leaves without
    tearing the interpreter down: ~40 ms with numpy, pytest and rich loaded,
    for memory the system frees at once. Anywhere else it is `sys.exit(code)`.
    """
    if own_process():
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
                stream.flush()
        os._exit(code)
    sys.exit(code)
