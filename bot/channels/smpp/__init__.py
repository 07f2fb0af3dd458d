"""The SMPP 3.4 channel: an ESME adapter of the SmsGateway port."""
