"""Question banks and quizzes: import from files, check, list (and, in the browser, author)."""
