"""The local runner: the whole stack of `template.yaml` on 127.0.0.1, without Docker.

`python -m local up` runs it until Ctrl-C; tests start it with
`start_local_stack(ports=StackPorts.free(), state_dir=tmp_path)`.
"""

from local.runner.stack import RunningStack, StackPorts, local_stack, start_local_stack
from local.runner.stack_file import StackInfo, find_running_stack

__all__ = [
    "RunningStack",
    "StackInfo",
    "StackPorts",
    "find_running_stack",
    "local_stack",
    "start_local_stack",
]
