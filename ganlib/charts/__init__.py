"""Plotly figures for the app: training.py (loss curves, D's outputs, toy point clouds) and friends.

Figure builders only take plain data (snapshot fields, numpy arrays) and return
plotly Figures; they never import streamlit. Their colours come from palette.py,
named by what they mean; their sizes, on a screen or a projector, from look.py;
the smoothing of the training curves from smooth.py.
"""
