# The attach tests of signflow_document_tests.
