"""`--network` and `--allow-private-network`, shared by `lint` and `check`."""

from __future__ import annotations

from typing import Callable

import click

from ..network import NetworkOptions


def network_options(command: Callable) -> Callable:
    command = click.option("--allow-private-network", "allow_private", is_flag=True,
                           help="With --network: also fetch URLs on private, loopback and link-local addresses "
                                "(a staging server on your network). Refused by default: the template may be hostile.")(command)
    return click.option("--network", is_flag=True,
                        help="Fetch every link and image, and POST to the one-click unsubscribe URL: report broken "
                             "links, redirects, image sizes and weight (nothing is fetched without it).")(command)


def network_from(network: bool, allow_private: bool) -> NetworkOptions | None:
    if allow_private and not network:
        raise click.UsageError("--allow-private-network goes with --network")
    return NetworkOptions(allow_private=allow_private) if network else None
