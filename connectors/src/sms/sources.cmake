# sources of the sms part (paths relative to connectors/): the `sms` kind, an
# HTTP gateway reached through the http part's client.
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/sms/sms_connector.cpp
)
