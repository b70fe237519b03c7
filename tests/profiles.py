"""Hypothesis profiles. CI (the default) is derandomized: the same examples every run, so
a red build means a change broke something. ``make fuzz`` (HYPOTHESIS_PROFILE=fuzz)
explores at random with many more examples; what it finds is added to the test as an
``@example(...)`` so CI keeps it (Hypothesis prints the decorator to paste)."""

import os

from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
#: Examples per property under ``make fuzz``.
FUZZ_EXAMPLES = int(os.environ.get("AGRIPRICES_FUZZ_EXAMPLES", "1000"))

# No deadlines: a test's speed on a busy machine is not its behaviour (bench/ measures).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile(
    "fuzz", max_examples=FUZZ_EXAMPLES, deadline=None, print_blob=True, database=None
)
settings.load_profile(PROFILE)


def examples(in_ci: int) -> int:
    """A property's examples: ``in_ci`` in CI, at least FUZZ_EXAMPLES under ``make fuzz``."""
    return max(in_ci, FUZZ_EXAMPLES) if PROFILE == "fuzz" else in_ci
