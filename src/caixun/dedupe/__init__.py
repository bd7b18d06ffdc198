"""Pure de-duplication: exact keys and near-duplicate signatures.

The store finds candidates (same canonical URL, same content hash, or a shared
MinHash band); `choose_cluster` decides which story, if any, an article joins.
"""

from caixun.dedupe.keys import canonical_url, content_hash, normalize_for_hash, strip_dateline
from caixun.dedupe.minhash import (
    NEAR_DUPLICATE_THRESHOLD,
    Candidate,
    band_keys,
    choose_cluster,
    numbers_of,
    signature,
    similarities,
    similarity,
)

__all__ = [
    "NEAR_DUPLICATE_THRESHOLD",
    "Candidate",
    "band_keys",
    "canonical_url",
    "choose_cluster",
    "content_hash",
    "normalize_for_hash",
    "numbers_of",
    "signature",
    "strip_dateline",
    "similarities",
    "similarity",
]
