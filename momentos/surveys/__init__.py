"""Post-service surveys (issue #9): signed links, the survey mail, and the answers.

The workflow `post_service_survey` plans a `mail`/`survey` action; the dispatcher's mail
sender composes it here (the link is signed at send time, so no secret ever reaches a
workflow or the outbox); the survey page (momentos/web/survey.py) reads the link back
and stores the answer as a `momentos`/`survey_answer` event.
"""
