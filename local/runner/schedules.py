"""Scheduled function events (`Schedule` and `ScheduleV2`), fired on time in a thread.

Each firing invokes the function (in its own thread, so a slow one does not delay the
others) with the event EventBridge sends: `{"version": "0", "id", "detail-type":
"Scheduled Event", "source": "aws.events", "account", "time", "region", "resources":
[rule ARN], "detail": {}}`, or the event's `Input` when it sets one.
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from local.naming import LocalNames
from local.runner.background import BackgroundLoop
from local.runner.event_sources import enabled_events
from local.runner.schedule_expressions import Schedule, parse_schedule
from local.template import FunctionSpec, TemplateError

SCHEDULE_EVENT_TYPES: Final = ("Schedule", "ScheduleV2")
Log = Callable[[str], None]
Invoke = Callable[[str, Any], Any]


@dataclass(frozen=True)
class ScheduledEvent:
    function_id: str
    event_name: str
    expression: str
    schedule: Schedule
    rule_arn: str
    input: Any | None  # the event's Input, parsed; None: EventBridge's own event


def scheduled_events(
    functions: Mapping[str, FunctionSpec], names: LocalNames
) -> list[ScheduledEvent]:
    found: list[ScheduledEvent] = []
    for function, event_name, event_type, properties in enabled_events(
        functions, SCHEDULE_EVENT_TYPES
    ):
        where = f"{function.logical_id} event {event_name}"
        v2 = event_type == "ScheduleV2"
        expression = str(properties.get("ScheduleExpression" if v2 else "Schedule", ""))
        if str(properties.get("State", "ENABLED")).upper() == "DISABLED":
            continue
        try:
            schedule = parse_schedule(
                expression, timezone=str(properties.get("ScheduleExpressionTimezone", "UTC"))
            )
        except ValueError as error:
            raise TemplateError(f"{where}: {error}") from error
        rule_name = str(properties.get("Name") or f"{function.function_name}-{event_name}")
        arn = (
            names.arn("scheduler", f"schedule/default/{rule_name}")
            if v2
            else names.arn("events", f"rule/{rule_name}")
        )
        raw_input = properties.get("Input")
        found.append(
            ScheduledEvent(
                function_id=function.logical_id,
                event_name=event_name,
                expression=expression,
                schedule=schedule,
                rule_arn=arn,
                input=json.loads(raw_input) if isinstance(raw_input, str) else raw_input,
            )
        )
    return found


def eventbridge_event(
    scheduled: ScheduledEvent, names: LocalNames, moment: datetime.datetime
) -> Any:
    if scheduled.input is not None:
        return scheduled.input
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": names.account_id,
        "time": moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": names.region,
        "resources": [scheduled.rule_arn],
        "detail": {},
    }


class Scheduler(BackgroundLoop):
    """Fires every scheduled event on time until `stop()`."""

    def __init__(
        self,
        events: list[ScheduledEvent],
        *,
        names: LocalNames,
        invoke: Invoke,
        log: Log,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
    ) -> None:
        self.events = events
        self._names = names
        self._invoke = invoke
        self._log = log
        self._clock = clock
        super().__init__("scheduler")

    def start(self) -> Scheduler:
        return super().start() if self.events else self

    def _run(self) -> None:
        started = self._clock()
        # By position: an event's Input may be a dict, so the events cannot be keys.
        due = [item.schedule.next_after(started, started) for item in self.events]
        while not self._stopped.is_set():
            now = self._clock()
            for index, item in enumerate(self.events):
                if due[index] <= now:
                    self._fire(item, due[index])
                    due[index] = item.schedule.next_after(max(due[index], now), started)
            wait = (min(due) - self._clock()).total_seconds()
            self._stopped.wait(max(0.0, min(wait, 1.0)))

    def _fire(self, item: ScheduledEvent, moment: datetime.datetime) -> None:
        self._log(f"schedule {item.function_id}.{item.event_name} ({item.expression}) fires")
        event = eventbridge_event(item, self._names, moment)
        threading.Thread(
            target=self._invoke, args=(item.function_id, event), name="scheduled", daemon=True
        ).start()
