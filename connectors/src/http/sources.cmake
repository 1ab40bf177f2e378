# sources of the http part (paths relative to connectors/): request
# templates, settings, answers as delivery outcomes, and the `http` kind
# (the client itself is signflow::net).
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/http/outcome.cpp
  src/http/settings.cpp
  src/http/template.cpp
  src/http/http_connector.cpp
)
