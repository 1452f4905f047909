"""`python -m scamscore`."""

from scamscore.cli import cli

if __name__ == "__main__":
    cli()
