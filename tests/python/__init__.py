"""Tests for the log_config library: run `/usr/bin/python3 -m unittest discover -s tests/python -t .` from the repo root."""
