"""``taskloom rotate-fernet-key``: re-encrypt the secrets stored in the metadata DB."""

from __future__ import annotations

import click


@click.command("rotate-fernet-key")
def rotate_fernet_key_command() -> None:
    """Re-encrypt connection passwords and extras and variable values with the first key of
    [core] fernet_key (list the new key first, comma-separated with the old one, run this,
    then drop the old key).  Values stored unencrypted are encrypted."""
    from taskloom.models.variable import Variable
    from taskloom.secrets.metastore import MetastoreBackend
    from taskloom.utils import crypto

    if not crypto.key_is_set():
        raise click.ClickException(
            "[core] fernet_key is not set; set TASKLOOM__CORE__FERNET_KEY to the new key first "
            '(pip install "taskloom[crypto]")'
        )
    connections = MetastoreBackend().rotate_encryption()
    variables = Variable.rotate_encryption()
    click.echo(f"Re-encrypted {connections} connection(s) and {variables} variable(s).")
