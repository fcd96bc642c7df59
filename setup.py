"""Copies the checkout's notebooks/ and params/ into the built package (audit/_data/).

Developers keep editing them at the top of the checkout; a wheel carries them
inside the package, where :mod:`audit.resources` finds them when installed.
Everything else about the build is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = {"notebooks": "*.ipynb", "params": "**/*.yaml"}


class BuildWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        root = Path(__file__).resolve().parent
        for folder, pattern in SHIPPED.items():
            for src in sorted((root / folder).glob(pattern)):
                dest = Path(self.build_lib, "audit", "_data", folder, src.relative_to(root / folder))
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)


setup(cmdclass={"build_py": BuildWithData})
