"""The workflows Momentos knows, in the order they are listed in the README and the UI."""

from workflows import (
    billing_variation,
    birthday,
    change_announcement,
    company_anniversary,
    complaint_followup,
    payment_late,
    post_service_survey,
    preventive_maintenance,
    renewal_reminder,
    repeat_request,
    spike_root_cause,
    survey_followup,
    usage_drop,
)

WORKFLOWS = (
    complaint_followup,
    preventive_maintenance,
    usage_drop,
    change_announcement,
    birthday,
    company_anniversary,
    renewal_reminder,
    billing_variation,
    payment_late,
    repeat_request,
    spike_root_cause,
    post_service_survey,
    survey_followup,
)


def by_name(name: str):
    for workflow in WORKFLOWS:
        if workflow.NAME == name:
            return workflow
    raise KeyError(name)
