# sources of the webhook part (paths relative to connectors/): signed
# webhooks out (it sends through the http part's client).
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/webhook/signature.cpp
  src/webhook/webhook_connector.cpp
)
