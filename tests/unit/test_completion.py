"""`triage completion bash` prints a script bash accepts, and it completes our real sub-commands
and options (driven through bash itself, as a shell would)."""

import os
import shutil
import subprocess
import sys

import pytest


def _script(shell: str) -> str:
    done = subprocess.run([sys.executable, "-m", "triage", "completion", shell], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_script_completes_sub_commands_and_their_options(tmp_path):
    script = tmp_path / "triage.bash"
    script.write_text(_script("bash"))
    assert subprocess.run(["bash", "-n", str(script)], timeout=30).returncode == 0
    probe = f"""
source {script}
complete_words() {{ COMP_WORDS=("$@"); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMPREPLY=(); _shtab_triage;
                   echo "${{COMPREPLY[*]}}"; }}
complete_words triage ''
complete_words triage rep
complete_words triage report --bef
complete_words triage open --source ''
"""
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, HOME=str(tmp_path)))
    every, rep, before, sources = done.stdout.splitlines()[-4:]
    for command in ("group", "report", "gate", "open", "demo", "presets", "completion"):
        assert command in every.split()
    assert rep == "report"
    assert before == "--before"
    assert set(sources.split()) == {"files", "elasticsearch", "opensearch", "cloudwatch"}


def test_zsh_and_tcsh_scripts_name_the_commands():
    zsh, tcsh = _script("zsh"), _script("tcsh")
    assert zsh.startswith("#compdef triage") and "report" in zsh and "--deploy" in zsh
    assert "report" in tcsh and "(bash zsh tcsh)" in tcsh  # tcsh completes words, not option names


def test_an_unknown_shell_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "triage", "completion", "fish"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stderr.startswith("triage: error: completion: ")
