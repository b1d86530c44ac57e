"""Writes the initial migration anew from the models (only while no release has shipped)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from horae.migrate import MIGRATIONS, alembic_config

VERSIONS = MIGRATIONS / "versions"

for old in VERSIONS.glob("*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    url = f"sqlite:///{Path(tmp) / 'empty.sqlite'}"
    command.revision(alembic_config(url), message="initial schema", autogenerate=True, rev_id="0001")
for path in VERSIONS.glob("*.py"):
    path.rename(VERSIONS / "0001_initial_schema.py")
target = VERSIONS / "0001_initial_schema.py"
subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "-q", str(target)], check=False)
subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(target)], check=False)
print("wrote", target)
