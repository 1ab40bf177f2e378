# The sign tests of signflow_document_tests.
