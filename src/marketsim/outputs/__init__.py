"""What people look at: a run's result and its analysis methods, the figures and the HTML
report, and run folders saved and read back (``docs/architecture.md``).
"""
