# Test sources of signflow_evidence_tests.
