"""One module per verb, each exposing a keyword-only run(*, ...) -> int."""
