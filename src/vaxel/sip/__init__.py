"""SIP protocol, sans-IO: messages, URIs, SDP, digest auth, transactions, dialogs."""
