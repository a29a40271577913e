"""Command line: argv, subcommands, the composition root."""
