# The form part of signflow_documents: templates described and filled.
target_sources(signflow_documents PRIVATE
  src/form/field_index.cpp
  src/form/text.cpp
  src/form/appearance.cpp
  src/form/sections.cpp
  src/form/fill.cpp
  src/form/describe.cpp
)
