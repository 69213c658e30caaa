"""The pages of the web app (server-rendered, usable without JavaScript)."""
