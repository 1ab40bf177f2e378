# sources of the email part (paths relative to connectors/): the SMTP client
# (Asio + OpenSSL, no Beast) and the `email` kind.
list(APPEND SIGNFLOW_CONNECTOR_SOURCES
  src/email/smtp.cpp
  src/email/email_connector.cpp
)
