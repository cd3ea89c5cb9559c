"""The declarative model spec (``models/<name>.yaml``) as strict pydantic models: data, task, search space, gates, mitigation and card facts."""
