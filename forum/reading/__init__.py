"""What readers see: board and thread pages, their cards and cached fragments, search, hot lists,
feeds, profiles' lists and view counts."""
