"""The framework doors: callbacks for Lightning, Hugging Face, XGBoost and LightGBM, and `tb-confusion log`.

Each door imports its framework lazily (only when the door itself is imported) and funnels into the same
`summary.predictions_pb` + `EventWriter` path; `collect.Collector` is the one batch-gathering rule they share.
Public import paths are `tb_confusion.lightning`, `tb_confusion.transformers`, `tb_confusion.xgboost` and
`tb_confusion.lightgbm`.
"""
