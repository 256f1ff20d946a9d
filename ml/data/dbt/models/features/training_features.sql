-- The training data of the reference model: each curated record once, its features and label, and
-- where it came from (record_id, dataset_version, ingestion_date), which the export to the training
-- pipeline (export_features.py) leaves out. No derived feature here: the endpoint is sent records
-- shaped like the raw data, so a feature computed only here would be missing at inference.
select staged.*
from {{ ref('stg_features') }} as staged
