# sources of the http part (paths relative to connectors/): the HTTP(S)
# client (the only Beast translation unit of the connectors), request
# templates, settings, and the `http` kind.
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/http/client.cpp
  src/http/outcome.cpp
  src/http/settings.cpp
  src/http/template.cpp
  src/http/http_connector.cpp
)
# The User-Agent names the release.
set_source_files_properties(src/http/client.cpp PROPERTIES
  COMPILE_DEFINITIONS "SIGNFLOW_VERSION=\"${PROJECT_VERSION}\"")
