# The attach part of signflow_documents.
