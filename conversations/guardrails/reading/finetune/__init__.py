"""Building the guardrails' reader (`build`): see README.md."""
