"""The style portrait: how the subject writes in each register, measured from their own
words, described in plain words, and corrected by them."""
