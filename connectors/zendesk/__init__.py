"""Zendesk Support: webhooks in, incremental exports polled, tickets and comments out."""

TOOL = "zendesk"
