"""The one notifier: domain services say what happened (``events``), and ``notify``
decides who is told what and queues the broadcasts."""
