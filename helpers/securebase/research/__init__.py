"""Research side: importing other studies' diaries, exporting de-identified data, analyses."""
