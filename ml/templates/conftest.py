"""The templates' own tests/test_model.py hold the tokens `mlenv model new` replaces: they run
only rendered (tests/test_templates.py), never collected from here."""

collect_ignore = ["sklearn", "xgboost", "pytorch"]
