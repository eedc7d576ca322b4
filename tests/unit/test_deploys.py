"""Deploy detection on generated log files: version fields, Kubernetes/ECS rollout lines, change point; CLI."""

import json
from datetime import datetime, timedelta, timezone

import pandas as pd

from triage.cli import main
from triage.deploys import suggest_deploys
from triage.sources.files import FileSource

T = datetime(2026, 5, 4, 10, 7, 30, tzinfo=timezone.utc)


def _stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def _json_log(path, key="service.version"):
    """Two services; payments rolls from 2.3.1 to 2.4.0 at T (old pods keep logging for a minute)."""
    lines = []
    for s in range(-1800, 1800, 5):
        t = T + timedelta(seconds=s)
        version = "2.4.0" if s >= 0 and (s >= 60 or s % 10 == 0) else "2.3.1"
        rec = {"@timestamp": _stamp(t), "log.level": "info", "service.name": "payments", "message": "charge ok",
               key: version}
        lines.append(json.dumps(rec))
        lines.append(json.dumps({"@timestamp": _stamp(t), "log.level": "info", "service.name": "search",
                                 "message": "query ok", key: "9.1.0"}))
    path.write_text("\n".join(lines) + "\n")
    return path


def _events(path):
    return FileSource([str(path)]).load(None, None).events


def test_version_field_change_is_the_first_suggestion(tmp_path):
    found = suggest_deploys(_events(_json_log(tmp_path / "app.jsonl")))
    top = found[0]
    assert top.kind == "version" and top.time == pd.Timestamp(T)
    assert "2.3.1 → 2.4.0" in top.label and "payments" in top.label
    assert all("search" not in s.label for s in found)  # a service whose version never changed


def test_image_tag_in_a_nested_field(tmp_path):
    lines = []
    for s in range(-600, 600, 10):
        t = T + timedelta(seconds=s)
        image = "registry/api:v7" if s >= 0 else "registry/api:v6"
        lines.append(json.dumps({"time": _stamp(t), "level": "info", "msg": "ok", "container": {"image": {"tag": image}}}))
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n")
    top = suggest_deploys(_events(tmp_path / "c.jsonl"))[0]
    assert top.kind == "version" and top.time == pd.Timestamp(T) and "v6 → registry/api:v7" in top.label


def test_kubernetes_and_ecs_rollout_lines(tmp_path):
    lines = []
    k8s_at, ecs_at = T, T + timedelta(hours=2)
    for m in range(-60, 180):
        t = T + timedelta(minutes=m)
        lines.append(f"{_stamp(t)} INFO api - GET /health 200")
    lines.append(f"{_stamp(k8s_at)} INFO kube-controller - Scaled up replica set payments-7d9f8c to 1")
    lines.append(f"{_stamp(k8s_at + timedelta(seconds=40))} INFO kube-controller - Scaled down replica set payments-5b6c4d to 2")
    lines.append(f"{_stamp(ecs_at)} INFO ecs - (service payments) has started 2 tasks: (task 1a2b3c).")
    lines.append(f"{_stamp(ecs_at + timedelta(minutes=4))} INFO ecs - (deployment ecs-svc/1234567890) deployment completed.")
    (tmp_path / "events.log").write_text("\n".join(sorted(lines)) + "\n")
    found = [s for s in suggest_deploys(_events(tmp_path / "events.log")) if s.kind == "rollout"]
    assert [(s.time, s.label.split(":")[0], s.evidence) for s in found] == [
        (pd.Timestamp(k8s_at), "Kubernetes rollout", 2), (pd.Timestamp(ecs_at), "ECS rollout", 2)]


def test_change_point_when_nothing_names_a_deploy(tmp_path):
    lines = []
    for s in range(-3600, 3600, 6):
        t = T + timedelta(seconds=s)
        lines.append(f"{_stamp(t)} INFO api - GET /orders 200")
        if (s >= 0 and s % 12 == 0) or s % 600 == 0:
            lines.append(f"{_stamp(t)} ERROR api - upstream timeout after 3000 ms")
    (tmp_path / "app.log").write_text("\n".join(lines) + "\n")
    found = suggest_deploys(_events(tmp_path / "app.log"))
    assert len(found) == 1 and found[0].kind == "change_point"
    assert abs(found[0].time - pd.Timestamp(T)) <= pd.Timedelta(minutes=1) and "error rate" in found[0].label


def test_flat_traffic_has_no_candidate(tmp_path, capsys):
    lines = [f"{_stamp(T + timedelta(seconds=s))} INFO api - GET /health 200" for s in range(-1800, 1800, 10)]
    (tmp_path / "flat.log").write_text("\n".join(lines) + "\n")
    assert suggest_deploys(_events(tmp_path / "flat.log")) == []
    assert main(["deploys", str(tmp_path / "flat.log")]) == 1
    code = main(["report", str(tmp_path / "flat.log"), "--deploy", "auto"])
    _, err = capsys.readouterr()
    assert code == 1 and "no deploy candidate" in err and err.count("\n") == 2


def test_cli_list_and_deploy_auto(tmp_path, capsys):
    log = _json_log(tmp_path / "app.jsonl")
    assert main(["deploys", str(log), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["candidates"][0]["time"] == "2026-05-04T10:07:30Z" and doc["candidates"][0]["kind"] == "version"
    assert main(["deploys", str(log), "--tz", "Europe/Berlin"]) == 0
    assert capsys.readouterr().out.startswith("2026-05-04 12:07:30")
    assert main(["report", str(log), "--deploy", "auto", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["deploy"] == "2026-05-04T10:07:30Z"
    assert "deploy time from the data: 2026-05-04 10:07:30Z (service.version 2.3.1 → 2.4.0 (payments))" in captured.err


def test_deploy_auto_reuses_the_load_but_keeps_only_the_windows(tmp_path, capsys):
    log = _json_log(tmp_path / "app.jsonl")  # 60 minutes, 24 events a minute
    assert main(["report", str(log), "--deploy", "auto", "--before", "5m", "--after", "5m", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["deploy"] == "2026-05-04T10:07:30Z"
    assert 20 * 24 <= doc["events"] <= 20 * 24 + 2  # windows plus the load margin: 20 of the 60 minutes
