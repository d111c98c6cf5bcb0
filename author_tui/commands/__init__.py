"""One module per subcommand; `author_tui.cli` discovers them. Each keeps its heavy imports inside `run`."""
