"""Unit tests of the grader (stdlib unittest): python3 -m unittest discover -s tests/grader -t ."""
