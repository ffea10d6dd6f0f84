"""The gate: drift, wiring, Helm, kustomize, strict schemas and policy on the rendered tree."""
