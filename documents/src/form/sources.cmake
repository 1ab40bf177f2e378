# The form part of signflow_documents.
