"""Runners: where a recipe's operators execute (``local``: processes on this machine; ``ray_data``: Ray Data
on a Ray cluster, driven in this process or as a Ray job by ``ray_job``)."""
