# The form tests of signflow_document_tests.
