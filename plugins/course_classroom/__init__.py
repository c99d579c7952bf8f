"""The class workflow around the grader: hand out, grade every student, gradebook CSV."""
