"""Which steps and readiness checks make up a close.

An app contributes to the close from its ``AppConfig.ready()``::

    from mfgcost.close.registry import ReadinessCheck, CloseStep, check_register, step_register

    step_register(CloseStep(name="backflush", label="Backflush costing of every flow",
                            position=BACKFLUSH_COSTING, run=backflush_step))

This module imports no other app of the project (not even the close's own models), so any app
may import it without pointing its imports upward; the close app never imports the apps that
register into it. Registering the same name again replaces the earlier entry (a reloaded app).

A step's ``run(close_run, period) -> dict`` does its work and returns counts (how many entries
it posted, flows it costed...). It must be idempotent: a retried or resumed step runs again from
the start and must post only what the interrupted attempt did not. A step that raises stops the
close; the run can be resumed once the cause is fixed.

A step that can fan out gives ``parts(close_run, period) -> list[dict]`` (one JSON-serialisable
dict per part, each with a ``"key"`` unique in the step) and ``run_part(close_run, period,
part) -> dict``: the close runs the parts as a Celery group, one task per part, and the step is
done when every part is. A resumed step runs only the parts not done yet.

A readiness check's ``rows(period) -> list[dict]`` returns what blocks the close (one dict of
JSON-serialisable values per blocking row: the drill-down). No rows means the check passes.
Its ``severity`` is the default; ``CloseCheckSetting`` overrides it per check.

Positions: the readiness checks always run first. The registered steps run by ``position``:

=====  =================================================  ======================
 pos   step                                               registered by
=====  =================================================  ======================
 100   ``adjust_cost``: collect marks, run Adjust Cost    the close (costing)
 200   ``backflush_costing``: every production flow       lean (``BACKFLUSH_COSTING``)
 300   ``cost_accounting``: GL transfer and the            cost accounting
       cost-accounting period calculation                  (``COST_ACCOUNTING``)
 400   ``reconciliation``: every inventory and WIP         the close (inventory)
       account must reconcile to zero
 500   ``period_close``: close the GL period               the close (ledger)
=====  =================================================  ======================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ADJUST_COST = 100
BACKFLUSH_COSTING = 200  # lean: backflush costing of every flow (a part per flow)
COST_ACCOUNTING = 300  # cost accounting: GL transfer, then the period calculation
RECONCILIATION = 400
PERIOD_CLOSE = 500

BLOCKER = "blocker"
WARNING = "warning"
SEVERITIES = (BLOCKER, WARNING)

Counts = dict[str, Any]


@dataclass(frozen=True)
class CloseStep:
    """One job of the close, run in ``position`` order after the readiness checks."""

    name: str
    label: str
    position: int
    run: Callable[[Any, Any], Counts] | None = None
    parts: Callable[[Any, Any], list[dict]] | None = None
    run_part: Callable[[Any, Any, dict], Counts] | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.parts is None):
            raise ValueError(f"Close step {self.name}: give either run or parts (and run_part).")
        if self.parts is not None and self.run_part is None:
            raise ValueError(f"Close step {self.name}: parts need run_part.")

    @property
    def fans_out(self) -> bool:
        return self.parts is not None


@dataclass(frozen=True)
class ReadinessCheck:
    """A named condition the books must meet before the close; rows are what blocks it."""

    name: str
    label: str
    rows: Callable[[Any], list[dict]]
    severity: str = BLOCKER

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"Readiness check {self.name}: severity must be one of {SEVERITIES}.")


_steps: dict[str, CloseStep] = {}
_checks: dict[str, ReadinessCheck] = {}


def step_register(step: CloseStep) -> None:
    """Add (or replace) a step of the close."""
    if step.name == "readiness":
        raise ValueError("'readiness' is the close's own first step.")
    _steps[step.name] = step


def check_register(check: ReadinessCheck) -> None:
    """Add (or replace) a readiness check."""
    _checks[check.name] = check


def step_unregister(name: str) -> None:
    _steps.pop(name, None)


def check_unregister(name: str) -> None:
    _checks.pop(name, None)


def steps() -> list[CloseStep]:
    """The registered steps in the order they run."""
    return sorted(_steps.values(), key=lambda s: (s.position, s.name))


def step(name: str) -> CloseStep:
    return _steps[name]


def checks() -> list[ReadinessCheck]:
    """The registered readiness checks, by name."""
    return sorted(_checks.values(), key=lambda c: c.name)


def check(name: str) -> ReadinessCheck | None:
    return _checks.get(name)
