"""The templates' own tests/test___MODEL_NAME__.py hold the tokens `mlenv model new` replaces: they run
only rendered (tests/test_templates.py), never collected from here."""

collect_ignore = ["common", "sklearn", "xgboost", "pytorch"]
