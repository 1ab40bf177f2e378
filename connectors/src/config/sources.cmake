# sources of the config part (paths relative to connectors/)
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/config/config.cpp
  src/config/expand.cpp
  src/config/duration.cpp
  src/config/messages_table.cpp
)
