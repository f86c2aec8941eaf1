"""What ``make run`` serves: the app (``streamlit_app.py``) behind security headers.

``streamlit run serve.py`` finds the ``st.App`` below and serves it; routing stays in
``streamlit_app.py``, the headers are :mod:`app.headers`, and the server's settings are in
``.streamlit/config.toml``.
"""

import streamlit as st
from starlette.middleware import Middleware

from app.headers import SecurityHeaders

app = st.App("streamlit_app.py", middleware=[Middleware(SecurityHeaders)])
