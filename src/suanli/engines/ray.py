"""The ``ray`` engine: jobs on a real Ray cluster through Ray's Jobs REST API.

suanli decides admission, order and placement (node -> device indices); this engine starts each start
of a job as one Ray job whose driver (:mod:`suanli.engines.ray_gang`) holds the whole gang in a placement
group pinned to those nodes (:mod:`suanli.engines.ray_runs`), reads its state back, stops it, and serves
its logs. The machines come from Ray's state API (alive nodes only), read as suanli nodes by
:mod:`suanli.engines.ray_config`.

It speaks HTTP to the head's dashboard (``/api/jobs/``, ``/api/v0/nodes``) with httpx rather than through
``ray.job_submission.JobSubmissionClient``: the SDK's calls take no timeout (a hung dashboard would freeze
the scheduling pass, which holds the database's write lock), it checks versions on construction, and the
server needs no Ray install nor a Ray version equal to the cluster's. The REST API is the one the SDK calls.
``transport`` is the seam for tests (an ``httpx.MockTransport``); credentials, where the cluster wants
them, come from the server's environment (``RAY_AUTH_TOKEN``), never from the cluster's config.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

import httpx

from suanli.engines.base import LaunchSpec, NodeReport, RunStatus
from suanli.engines.ray_config import RayConfig, RayNode, Target, inventory
from suanli.engines.ray_runs import (
    PREFIX,
    combined,
    gang_status,
    is_terminal,
    parse_submission,
    rank_status,
    request,
)

log = logging.getLogger("suanli.engines.ray")

TIMEOUT_S = 10.0
KEPT_LOGS = 256  # finished Ray jobs whose output is kept in memory


class RayUnavailable(Exception):
    """The Ray head did not answer (or answered something that is not the Jobs API)."""


class RayEngine:
    """Runs jobs on the Ray cluster whose dashboard is at ``config.address``."""

    name = "ray"

    def __init__(self, config: RayConfig, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = TIMEOUT_S) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {token}"} if (token := os.environ.get("RAY_AUTH_TOKEN")) else {}
        self._http = httpx.Client(base_url=config.address, timeout=timeout_s, transport=transport, headers=headers)
        self._targets: dict[str, Target] = {}
        self._notes: set[str] = set()
        self._finished_logs: dict[str, bytes] = {}  # submission id -> output of a finished Ray job
        self._placed: set[str] = set()  # submission ids whose placement group was seen placed

    def close(self) -> None:
        self._http.close()

    # inventory ------------------------------------------------------------------------------------

    def inventory(self) -> list[NodeReport]:
        """The cluster's nodes with their devices (dead ones unhealthy); :class:`RayUnavailable` if the head is away."""
        body = self._get("/api/v0/nodes", params={"detail": "1", "limit": "10000"})
        try:
            rows = body["data"]["result"]["result"]
            nodes = [RayNode(str(r["node_ip"]), {str(k): float(v) for k, v in (r.get("resources_total") or {}).items()},
                             {str(k): str(v) for k, v in (r.get("labels") or {}).items()}, r.get("state") == "ALIVE")
                     for r in rows]
        except (KeyError, TypeError, ValueError) as exc:
            raise RayUnavailable(f"unexpected answer from {self.config.address}/api/v0/nodes: {exc!r}") from None
        reports, targets, notes = inventory(nodes, self.config)
        for note in set(notes) - self._notes:
            log.warning("ray cluster at %s: %s", self.config.address, note)
        self._notes = set(notes)
        self._targets = targets
        return reports

    # jobs -----------------------------------------------------------------------------------------

    def submit(self, spec: LaunchSpec) -> dict[str, Any]:
        """One Ray job for the whole gang; a submission id that exists already is adopted, never run twice."""
        if any(node not in self._targets for node, _ in spec.devices):
            self.inventory()
        missing = [node for node, _ in spec.devices if node not in self._targets]
        if missing:
            raise RuntimeError(f"the Ray cluster has no alive node {missing[0]!r} with devices")
        self._stop_other_starts(spec.job_id, spec.restart_count)
        body = request(spec, self._targets, self.config.python or sys.executable)
        self._submit_one(body)
        return {"engine": self.name, "address": self.config.address, "start": spec.restart_count,
                "submission_id": body["submission_id"],
                "nodes": [{"node": node, "ip": self._targets[node].ip} for node, _ in spec.devices]}

    def status(self, job_id: str, handle: Mapping[str, Any]) -> RunStatus:
        """The Ray job's state; while its driver runs, ``starting`` until its placement group is placed.

        A Ray job that Ray keeps PENDING, or whose placement group waits for its nodes' resources, makes
        the start ``starting``, with the reason. An unreachable head reads as running: the cluster's nodes
        then stop heartbeating, and the node grace of the cluster decides (the job is requeued), as for any
        machine that cannot be reached.
        """
        submissions = _submissions_of(handle)
        try:
            states = [rank_status(self._details(s)) for s in submissions]
            if "submission_id" in handle:
                states = [self._gang_status(submissions[0], states[0])]
        except RayUnavailable as exc:
            return RunStatus("running", message=f"cannot reach Ray: {exc}")
        result = combined(states)
        if result.state in ("failed", "lost") and len(states) > 1:
            self.cancel(job_id, handle)  # a handle of one Ray job per rank: none may run on alone
        return result

    def cancel(self, job_id: str, handle: Mapping[str, Any], *, force: bool = False) -> None:
        """Ray's stop: SIGTERM to the driver, which passes it to every rank and removes the placement group;
        SIGKILL after the cluster's ``RAY_JOB_STOP_WAIT_TIME_S`` (Ray's API has no separate kill, so
        ``force`` stops again)."""
        for submission in _submissions_of(handle):
            self._stop(submission)

    def logs(self, job_id: str, offset: int = 0, limit: int = 1 << 20) -> bytes:
        """The output of every start of the job (all its ranks), in order, each after a header line (as ``local``).

        Ray keeps a job's output on its driver's node: a start whose node died shows a note instead (the
        offsets of a reader who saw its output before then shift, which cannot be helped).
        """
        try:
            listed = self._get("/api/jobs/")
        except RayUnavailable:
            return b""
        starts = sorted((found[0], submission) for submission in _submissions(listed)
                        if (found := parse_submission(job_id, submission)) and found[1] == 0)
        text = bytearray()
        for start, submission in starts:
            text += f"--- suanli: start {start} of {job_id} on Ray ({submission}) ---\n".encode()
            text += self._logs_of(submission, _submissions(listed)[submission])
        return bytes(text[max(0, offset):max(0, offset) + max(0, limit)])

    def _logs_of(self, submission: str, details: Mapping[str, Any]) -> bytes:
        """One Ray job's output; a finished job's is kept (it no longer changes, and its node may go)."""
        kept = self._finished_logs.get(submission)
        if kept is not None:
            return kept
        try:
            answer = self._get(f"/api/jobs/{submission}/logs")
        except RayUnavailable:
            return b"(this start's output is not available: its node is gone)\n"
        data = str(answer.get("logs", "") if isinstance(answer, dict) else "").encode()
        if is_terminal(details):
            if len(self._finished_logs) >= KEPT_LOGS:
                self._finished_logs.pop(next(iter(self._finished_logs)))
            self._finished_logs[submission] = data
        return data

    # http -----------------------------------------------------------------------------------------

    def _submit_one(self, body: dict[str, Any]) -> None:
        try:
            answer = self._http.post("/api/jobs/", json=body)
        except httpx.HTTPError as exc:
            # The request may have reached Ray: adopt what is there, if anything.
            if self._details(body["submission_id"]) is not None:
                return
            raise RayUnavailable(f"{self.config.address}: {exc}") from None
        if answer.status_code == 200:
            return
        if "already exists" in answer.text:  # a launch repeated after a crash: adopt it
            log.info("adopting Ray job %s", body["submission_id"])
            return
        raise RuntimeError(f"Ray refused the job ({answer.status_code}): {answer.text[-500:]}")

    def _stop_other_starts(self, job_id: str, start: int) -> None:
        """Stop what is left of this job's earlier starts (a lost node's rank may come back to life)."""
        listed = self._get("/api/jobs/")
        for submission, details in _submissions(listed).items():
            found = parse_submission(job_id, submission)
            if found is not None and found[0] != start and not is_terminal(details):
                self._stop(submission)

    def _gang_status(self, submission: str, job: RunStatus) -> RunStatus:
        """A running driver's start is running once its group is placed (seen once: not asked again)."""
        if job.state != "running":
            self._placed.discard(submission)
            return job
        if submission in self._placed:
            return job
        found = gang_status(job, self._placement_group(submission))
        if found.state == "running":
            self._placed.add(submission)
        return found

    def _placement_group(self, submission: str) -> dict[str, Any] | None:
        """The placement group the driver of ``submission`` made (it bears the same name), if any yet."""
        body = self._get("/api/v0/placement_groups", params={
            "filter_keys": "name", "filter_predicates": "=", "filter_values": submission, "detail": "1"})
        try:
            rows = [r for r in body["data"]["result"]["result"] if isinstance(r, dict)]
        except (KeyError, TypeError) as exc:
            raise RayUnavailable(f"unexpected answer from {self.config.address}/api/v0/placement_groups: "
                                 f"{exc!r}") from None
        return next((r for r in rows if r.get("state") != "REMOVED"), rows[-1] if rows else None)

    def _details(self, submission: str) -> dict[str, Any] | None:
        try:
            answer = self._http.get(f"/api/jobs/{submission}")
        except httpx.HTTPError as exc:
            raise RayUnavailable(f"{self.config.address}: {exc}") from None
        if answer.status_code == 404:
            return None
        found = self._json(answer)
        if not isinstance(found, dict):
            raise RayUnavailable(f"unexpected answer for job {submission}")
        return found

    def _stop(self, submission: str) -> None:
        if not submission.startswith(PREFIX):
            return  # only ever stop what suanli started
        try:
            self._http.post(f"/api/jobs/{submission}/stop")
        except httpx.HTTPError as exc:
            log.warning("could not stop Ray job %s: %s", submission, exc)

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        try:
            answer = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise RayUnavailable(f"{self.config.address}: {exc}") from None
        return self._json(answer)

    def _json(self, answer: httpx.Response) -> Any:
        if answer.status_code != 200:
            raise RayUnavailable(f"{answer.request.url} answered {answer.status_code}: {answer.text[-300:]}")
        try:
            return answer.json()
        except ValueError:
            raise RayUnavailable(f"{answer.request.url} answered something that is not JSON") from None


def _submissions(listed: Any) -> dict[str, dict[str, Any]]:
    """``GET /api/jobs/`` by submission id (jobs started by drivers, without one, left out)."""
    rows = listed if isinstance(listed, list) else []
    return {str(j["submission_id"]): j for j in rows if isinstance(j, dict) and j.get("submission_id")}


def _submissions_of(handle: Mapping[str, Any]) -> list[str]:
    """The Ray jobs of a start: its one gang, or (in handles of suanli before placement groups) one per rank."""
    if "submission_id" in handle:
        return [str(handle["submission_id"])]
    return [str(r["submission_id"]) for r in handle.get("ranks", [])]
