"""Config parity on real settings files (.env, Helm values, Kubernetes YAML, JSON) through the engine and the CLI."""

import json
import os
import subprocess
import sys

import pytest

from triage.cli import main
from triage.note import NoteDraft
from triage.parity import load_settings, parity, parity_finding

SECRET = "hunter2-s3cr3t-value"

STAGING_ENV = f"""# staging
export DATABASE_URL=postgres://app@db.staging.internal:5432/app
USE_MOCK_SERVICE=false
PAYMENT_API_KEY='{SECRET}'
SESSION_SECRET={SECRET}
LOG_LEVEL=info
FEATURE_CHECKOUT_V2="on" # rolled out with v2.4
"""

PROD_MANIFEST = f"""apiVersion: v1
kind: ConfigMap
metadata: {{name: payments-config}}
data:
  LOG_LEVEL: debug
  PAYMENT_PROVIDER_URL: https://sandbox.payments.example.com/v1
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: payments}}
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/payments:v2.4.0
          env:
            - {{name: DATABASE_URL, value: "postgres://app@db.prod.internal:5432/app"}}
            - {{name: USE_MOCK_SERVICE, value: "true"}}
            - name: DB_PASSWORD
              valueFrom: {{secretKeyRef: {{name: payments-db, key: password}}}}
          envFrom:
            - configMapRef: {{name: payments-config}}
---
apiVersion: v1
kind: Secret
metadata: {{name: payments-session}}
stringData:
  SESSION_SECRET: {SECRET}
"""


@pytest.fixture()
def envs(tmp_path):
    staging = tmp_path / "staging.env"
    staging.write_text(STAGING_ENV)
    prod = tmp_path / "prod.yaml"
    prod.write_text(PROD_MANIFEST)
    return staging, prod


def _by_key(report):
    out = {}
    for item in report.items:
        out.setdefault(item.key, []).append(item)
    return out


def test_staging_values_debug_flags_and_missing_secrets(envs):
    report = parity(*envs, "staging", "production")
    items = _by_key(report)
    kinds = {k: sorted(i.kind for i in v) for k, v in items.items()}
    assert kinds["USE_MOCK_SERVICE"] == ["staging_value"] and items["USE_MOCK_SERVICE"][0].severity == "high"
    assert kinds["LOG_LEVEL"] == ["debug"]
    assert "sandbox" in items["PAYMENT_PROVIDER_URL"][0].message
    assert kinds["PAYMENT_API_KEY"] == ["secret_missing"] and items["PAYMENT_API_KEY"][0].a == "(secret, set)"
    assert kinds["FEATURE_CHECKOUT_V2"] == ["missing"] and items["FEATURE_CHECKOUT_V2"][0].a == "on"
    assert kinds["SESSION_SECRET"] == ["shared_secret"]
    assert kinds["DATABASE_URL"] == ["differs"]  # prod host is fine; staging's is staging's business
    assert items["DB_PASSWORD"][0].b == "secretKeyRef payments-db/password"
    assert report.items[0].severity == "high" and report.items[-1].severity == "low"
    assert SECRET not in json.dumps(report.to_dict())


def test_helm_values_and_json_flatten_to_comparable_keys(tmp_path):
    staging = tmp_path / "values-staging.yaml"
    staging.write_text("image:\n  tag: v2.4.0\nreplicas: 2\nenv:\n  - name: CACHE_URL\n    value: redis://localhost:6379\n"
                       "debug: false\nhosts: [a.example.com]\n")
    prod = tmp_path / "values-prod.json"
    prod.write_text(json.dumps({"image": {"tag": "v2.3.9"}, "replicas": 6, "env": [{"name": "CACHE_URL", "value": "redis://cache.prod:6379"}],
                                "debug": True, "hosts": ["a.example.com"]}))
    settings = load_settings(staging)
    assert {k: s.value for k, s in settings.values.items()} == {
        "image.tag": "v2.4.0", "replicas": "2", "env.CACHE_URL": "redis://localhost:6379", "debug": "false",
        "hosts[0]": "a.example.com"}
    items = _by_key(parity(staging, prod))
    assert [i.kind for i in items["debug"]] == ["debug"]
    assert [i.kind for i in items["image.tag"]] == ["differs"] and items["image.tag"][0].b == "v2.3.9"
    assert [i.kind for i in items["env.CACHE_URL"]] == ["differs"]  # localhost in the reference is not flagged
    assert "hosts[0]" not in items


def test_nested_and_flat_names_pair_up(tmp_path):
    (tmp_path / "a.yaml").write_text("env:\n  - {name: USE_STUB_PAYMENTS, value: 'false'}\n")
    (tmp_path / "b.env").write_text("USE_STUB_PAYMENTS=1\n")
    report = parity(tmp_path / "a.yaml", tmp_path / "b.env")
    assert [(i.key, i.kind, i.a, i.b) for i in report.items] == [("env.USE_STUB_PAYMENTS", "staging_value", "false", "1")]
    assert any("same name, different nesting" in n for n in report.notes)


def test_directories_merge_their_files(tmp_path):
    for side, host in (("staging", "api.staging.example.com"), ("prod", "api.staging.example.com")):
        d = tmp_path / side
        d.mkdir()
        (d / "app.env").write_text(f"API_HOST={host}\n")
        (d / "flags.json").write_text('{"flags": {"new_checkout": true}}')
    items = _by_key(parity(tmp_path / "staging", tmp_path / "prod"))
    assert [i.kind for i in items["API_HOST"]] == ["staging_value"] and "staging host" in items["API_HOST"][0].message
    assert "flags.new_checkout" not in items


def test_cli_text_json_and_check(envs, capsys):
    staging, prod = envs
    assert main(["parity", str(staging), str(prod)]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0].startswith("staging → prod:") and "HIGH" in out and "USE_MOCK_SERVICE" in out
    assert "DATABASE_URL" not in out  # low severity only with --all
    assert main(["parity", str(staging), str(prod), "--all", "--names", "stg,prd"]) == 0
    out, _ = capsys.readouterr()
    assert "DATABASE_URL" in out and out.startswith("stg → prd")
    assert main(["parity", str(staging), str(prod), "--format", "json", "--check"]) == 3
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["schema"] == "triage.parity/1" and doc["counts"]["high"] == 4 and "high-severity" in err
    assert SECRET not in out


def test_cli_errors_are_one_line(tmp_path, envs, capsys):
    staging, _ = envs
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\nb: [unclosed\nc: 2\n")
    cases = [([str(staging), str(bad)], 1, f"{bad}:"), ([str(staging), str(tmp_path / "nope.env")], 1, "no such file"),
             ([str(staging), str(staging), "--names", "onlyone"], 2, "two labels")]
    for argv, code, words in cases:
        assert main(["parity", *argv]) == code
        _, err = capsys.readouterr()
        assert err.startswith("triage: error:") and err.count("\n") == 1 and words in err, err


def test_pinned_into_the_report_note_and_round_trips_in_a_draft(envs, tmp_path):
    staging, prod = envs
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    cmd = [sys.executable, "-m", "triage", "report", "--demo", "--parity", str(staging), str(prod),
           "--parity-names", "staging,production"]
    md = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert md.returncode == 0, md.stderr
    assert "| PARITY | config `staging → production` | 4 high" in md.stdout
    assert "Config parity: staging → production" in md.stdout and "`USE_MOCK_SERVICE`" in md.stdout
    assert "- [x] Env/config parity" in md.stdout and SECRET not in md.stdout
    js = subprocess.run(cmd + ["--format", "json"], capture_output=True, text=True, env=env, timeout=120)
    pinned = [f for f in json.loads(js.stdout)["findings"] if f["kind"] == "parity"]
    assert pinned[0]["data"]["counts"]["high"] == 4 and SECRET not in js.stdout

    draft = NoteDraft(findings=[parity_finding(parity(staging, prod))])
    again = NoteDraft.from_dict(json.loads(json.dumps(draft.to_dict())))
    assert again.findings[0].kind == "parity" and again.findings[0].data["counts"] == draft.findings[0].data["counts"]
