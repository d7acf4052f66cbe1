"""HTML and CSS as email clients read them: the parsed tree, inline styles and style blocks, and
the one definition of what a reader cannot see (used by the plain-text part, lint and placement)."""
