"""The transaction-user layer: registrar, routing, B2BUA, media apps, call records."""
