"""Views of the one results model (grader.results): each module renders it one way."""
