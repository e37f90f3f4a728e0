"""Private checks of the assignment: never shipped to students."""
