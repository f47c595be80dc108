"""GAN Studio: train GANs live and watch them learn. Run with `streamlit run app.py`.

This file only routes: page config, the list of pages, and the run-status
panel every page shows in the sidebar. A watch link (?watch=CODE) opens on the
Watch page, a class link (?class=CODE) on the Class page. The pages are thin; ganlib does the work.
"""
import os
import sys

# Pages import `ganlib` and `pages.parts.ui` from the repo root, however the app was
# launched (streamlit run from elsewhere, AppTest under pytest).
ROOT = os.path.dirname(os.path.abspath(__file__))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from ganlib.classroom.warm import warm_up  # noqa: E402
from pages.parts.access import class_code, join_visitor  # noqa: E402
from pages.parts.ui import status_panel  # noqa: E402

# st.navigation also ends Streamlit's pages/-folder mode for the server; pages/parts/ui.use_app_navigation covers
# a first visit that opens a page's URL before any session has run this file.
st.set_page_config(page_title="GAN Studio", page_icon="🎨", layout="wide")
watching = join_visitor().watch_code is not None
in_class = class_code() is not None   # a class link (?class=CODE) opens on the Class page
page = st.navigation([
    st.Page("pages/train.py", title="Train", icon="🏋️", default=not (watching or in_class)),
    st.Page("pages/watch.py", title="Watch", icon="📺", default=watching and not in_class),
    st.Page("pages/classroom.py", title="Class", icon="🧑‍🏫", default=in_class),
    st.Page("pages/explore.py", title="Latent explorer", icon="🧭"),
    st.Page("pages/theory.py", title="Theory lab", icon="📐"),
    st.Page("pages/checkpoints.py", title="Checkpoints", icon="💾"),
])
status_panel()
page.run()
warm_up()   # once per server, after the first page is drawn: its first Start then waits for no import
