"""Language resources for text: German lemmas, everyday words, compounds and abbreviations (`german`)."""
