"""The Docker-free local stack: SuperOffice simulator, Lambda runner and developer commands.

Run `python -m local --help` from the repository root. Nothing here is deployed: the
functions under `functions/` and the layer never import this package.
"""
