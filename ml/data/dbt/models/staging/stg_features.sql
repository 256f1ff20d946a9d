-- Each record once, from its latest ingestion: a row re-ingested on a later date replaces the
-- earlier one, and a row repeated in one file counts once. Plain SQL that Athena (Trino) and
-- DuckDB both run.
with latest as (
    select record_id, max(ingestion_date) as ingestion_date
    from {{ source('curated', 'raw_features') }}
    group by record_id
)

select distinct curated.*
from {{ source('curated', 'raw_features') }} as curated
inner join latest
    on curated.record_id = latest.record_id
    and curated.ingestion_date = latest.ingestion_date
