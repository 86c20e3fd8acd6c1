"""The workflows Momentos knows, in the order they are listed in the README and the UI."""

from workflows import complaint_followup

WORKFLOWS = (complaint_followup,)


def by_name(name: str):
    for workflow in WORKFLOWS:
        if workflow.NAME == name:
            return workflow
    raise KeyError(name)
