"""Faithful models of what a rendered tree meets on a cluster: OLM's upgrade graph, Argo CD's
sync engine and the controllers of OpenShift AI, Kueue and KServe (each module cites its source)."""
