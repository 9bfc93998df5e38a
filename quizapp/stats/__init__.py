"""Statistics over the review log and the attempts: the only part of quizapp that uses pandas."""
