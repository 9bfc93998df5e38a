"""Running a learner's code where it cannot hurt: a warm host process that forks one confined child per check.

The host (`host.py`) imports NumPy once and never sees expected outputs; each check forks a child
(`child.py`) that confines itself (`confine.py`) and then runs the learner's code. The parent side
(`client.py`) starts the host, sends it requests, and cancels a running check.
"""
