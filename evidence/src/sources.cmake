# Sources of signflow_evidence.
