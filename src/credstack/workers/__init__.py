"""Long-running work outside a request: bulk CSV jobs and mail delivery (an edge, like the CLI).

A worker owns its transactions the way a request or a CLI command does: it opens its own
sessions, commits what it finished and rolls back what failed, and calls services that
only flush. ``credstack.app`` wires the workers into the web app; later a job queue can
stand behind this package without the services changing.
"""
