"""The demo data for `make run` (`manage.py load_demo`): the cast in `cast.py`, played through
the real services by `load.py`."""
