"""What ``make run`` serves: the app (``streamlit_app.py``) behind security headers.

``streamlit run app/serve.py`` finds the ``st.App`` below and serves it; routing stays in
``streamlit_app.py`` at the repository root, the headers are :mod:`app.headers`, and the
server's settings are in ``.streamlit/config.toml``.
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from app.headers import SecurityHeaders

ENTRY = Path(__file__).resolve().parents[1] / "streamlit_app.py"

app = st.App(str(ENTRY), middleware=[Middleware(SecurityHeaders)])
