"""The commands, one module each (``derivcli/commands/<name>.py``), which
registers its command on :data:`derivcli.cli.cli` when imported. The group
(:class:`derivcli.cli._Group`, whose ``NAMES`` lists them) imports a
command's module when the command is asked for: ``derivcli grad`` builds
``grad`` and its options only (building all eleven commands' ~100 options
took 8M instructions, about 2.5 ms of every start), and every module for the
help listing or a name that is no command (click's "Did you mean").
"""
