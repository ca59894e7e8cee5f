"""Documents arriving through the interchange axis: the incoming register (sổ văn bản đến,
Decree 30 Art. 21–23), its quarantine, the handling and the statuses sent back.

The "edoc" receiver (:func:`.receiver.receive`) is registered with the installation; a recall
(status 13) is received by the outgoing side's "status" receiver, which calls
:func:`recall_requested`.
"""

from flask import Flask

from ecabinet.interchange.incoming.workflow import recall_requested

__all__ = ["recall_requested"]


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.dashboard.sections import register_provider
    from ecabinet.interchange import installation
    from ecabinet.interchange.incoming import models  # noqa: F401 - the tables, for migrations
    from ecabinet.interchange.incoming.api import blp
    from ecabinet.interchange.incoming.receiver import receive
    from ecabinet.interchange.incoming.routes import bp, to_assign_items

    installation.register_receiver("edoc", receive)
    app.register_blueprint(bp)
    api.register(app, blp)
    register_provider("to_assign", to_assign_items)
