# sources of the messages part (paths relative to connectors/): MIME, the
# wording (built-in templates in English and Chinese, overrides from a
# folder), the outbox folder, and the `messages` connector.
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/messages/mime.cpp
  src/messages/delivery.cpp
)
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/messages/wording.cpp
  src/messages/messages_connector.cpp
)
