"""The one exception the platform raises for bad input; the CLI prints it as one line."""


class GovernError(Exception):
    """A problem with the user's input or the registry state, stated in one line."""


class SpecError(GovernError):
    """A model spec is missing, unreadable or invalid."""


class DataValidationError(GovernError):
    """The data does not satisfy what the spec declares."""


class PromotionRefused(GovernError):
    """A version may not become champion (gates, approval or evidence)."""
