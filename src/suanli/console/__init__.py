"""The web console: a static single page that talks to the REST API with the user's key."""
