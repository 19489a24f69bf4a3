"""What every generated notebook shares: its kernel and the sentence that says how to open it."""

from __future__ import annotations

OPENING = ("In the app, open this from a client's row on the home page; in JupyterLab, set the client code "
           "in the first cell, then run all cells (*Run > Run All*).")

ENGINE_KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
