# The sign part of signflow_documents.
