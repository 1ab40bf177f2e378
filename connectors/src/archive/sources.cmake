# sources of the archive part (paths relative to connectors/)
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/archive/archive_connector.cpp
  src/archive/layout.cpp
  src/archive/atomic_file.cpp
)
