"""Stand-ins for outside services Relay talks to in development and tests (each a separate
process or thread, reached over HTTP). They never import the app, and the app never imports them."""
