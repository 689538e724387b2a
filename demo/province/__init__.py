"""Province-scale synthetic data (DESIGN.md: one province = 300,000 merchants).

`province_generate` writes merchants spread over the 90 counties by a weight table, their permits,
owner accounts for a small share, and a realistic share of declarations with a legal event
history. Rows are built per batch by one small function per table (memory stays bounded) and
written with PostgreSQL COPY, or bulk_create on other databases. One transaction: a failed run
leaves nothing behind.

Layout: `mix` (the shares and texts that make the data look real), `context` (the run's state,
reference data and the specs), one module per group of tables (`merchants`, `declarations`,
`standings`, `records`, `complaints`, `inspections`), and `run` (the batch loop). With the
declarations come the standings of the merchants they put in the programme (selection,
cultivation, star-rated), so the evaluation runs have a province to work on. A new table gets
a module with a specs function and row functions, plus a line in the loop. Complaints and
inspections (`--complaints N`, `--inspections N`, none by default) are spread over the batches
in proportion to their merchants and drawn from generators of their own, so asking for them
leaves the merchants, declarations and records of a seed unchanged.

Decisions are filed by generated reviewers, one per region (`gen-reg-<code>`); declarations of a
merchant without an owner account are filed by the inactive `province-generator` account.
Public codes come from `secrets`, not from the seed: they must stay unguessable in any data.
Generated declarations carry no document files (nothing to serve); their commitments are ticked.
"""

from demo.province.mix import DECLARATION_PATHS
from demo.province.run import (
    GENERATE_ACTION,
    ProvinceGenerationResult,
    province_generate,
)

__all__ = ["DECLARATION_PATHS", "GENERATE_ACTION", "ProvinceGenerationResult", "province_generate"]
