-- The training data of the reference model: every curated feature and the label, one derived
-- feature, and where each row came from (record_id, dataset_version, ingestion_date), which the
-- export to the training pipeline leaves out.
select
    staged.*,
    staged.mean_area / nullif(staged.mean_perimeter, 0) as mean_area_per_perimeter
from {{ ref('stg_features') }} as staged
