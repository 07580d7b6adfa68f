"""listening: Spaces for Listening, where people speak and are heard, and not fixed.

Deliberately empty of imports, so the server entry point (``python -m listening serve``)
can choose and patch its async mode before Flask or anything else is imported.
"""
