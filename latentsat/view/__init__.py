"""What a person sees of an answer: plots, comparisons with a known truth, and readable tables.

Library code shared by the CLI (`latentsat plot`, `compare`, `solve --pretty`) and the service
(`GET /v1/jobs/{id}/plot.png`, the `/ui` pages). matplotlib and scikit-learn are imported inside the functions
that need them, so importing this package stays cheap.
"""
