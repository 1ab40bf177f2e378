# sources of the plugin part (paths relative to connectors/)
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/plugin/loader.cpp
  src/plugin/plugin_connector.cpp
)
