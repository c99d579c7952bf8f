"""Knowledge Check sections become interactive quizzes (parser, encoding, HTML, adapter)."""
