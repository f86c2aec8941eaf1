"""Pure computations on beatcov's canonical frames: coverage, gaps, verification, reports.

Nothing here reads files or imports Streamlit; the command line lives in ``analysis.cli``.
"""
