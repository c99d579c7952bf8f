"""pytest entry point (`pytest11`) of the exercise grader."""
