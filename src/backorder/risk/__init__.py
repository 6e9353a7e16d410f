"""Backorder-risk model: Kaggle-schema input, features, LightGBM training, scoring, drift.

LightGBM runs its threads under OpenMP, whose default is to busy-wait between parallel
steps. On cores shared with other work that made training up to seven times slower
(measured: 24 s instead of 3.6 s for 100 rounds on a busy 2-core machine), while passive
waiting costs next to nothing on an idle one. The setting only counts if it is in place
before the OpenMP runtime is loaded, hence here; an explicit setting is left alone.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
