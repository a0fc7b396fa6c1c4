"""``wav2sleep train`` as a Hydra application, driven through the command line as users type it."""

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml


def _train(cwd, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "wav2sleep", "train", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


def test_cfg_job_prints_the_config_of_the_reference_command_without_running(tmp_path):
    done = _train(tmp_path, "model=wav2sleep", "num_gpus=1", "tune_batch_size=True", "target_batch_size=16",
                  "name=NAME", "inputs=all", "datasets=all", "test=True", "data_root=/data", "--cfg", "job")  # fmt: skip
    assert done.returncode == 0, done.stderr
    cfg = yaml.safe_load(done.stdout)
    assert cfg["name"] == "NAME" and cfg["data_root"] == "/data" and cfg["tune_batch_size"] is True
    assert cfg["inputs"]["signals"] == ["ECG", "PPG", "ABD", "THX"] and not (tmp_path / "outputs").exists()


def test_help_lists_the_config_groups(tmp_path):
    done = _train(tmp_path, "--help")
    assert done.returncode == 0 and "== Configuration groups ==" in done.stdout
    for group in ("datasets:", "experiment: demo, slpdb", "inputs:", "model:", "training: default"):
        assert group in done.stdout, group


def test_a_labs_own_experiment_folder(tmp_path):
    lab = tmp_path / "lab" / "experiment"
    lab.mkdir(parents=True)
    (lab / "night_shift.yaml").write_text("# @package _global_\nname: night_shift\ntraining:\n  lr: 5.0e-4\n")
    done = _train(tmp_path, "--config-dir", str(tmp_path / "lab"), "experiment=night_shift", "data_root=/d",
                  "--cfg", "job")  # fmt: skip
    assert done.returncode == 0, done.stderr
    cfg = yaml.safe_load(done.stdout)
    assert cfg["name"] == "night_shift" and cfg["training"]["lr"] == 5.0e-4


def test_a_mistyped_experiment_is_an_error_not_the_default_recipe(tmp_path):
    """An experiment name that matches no file must not train the default recipe silently."""
    done = _train(tmp_path, "experiment=slpbd", "data_root=/d", "--cfg", "job")
    assert done.returncode != 0 and "Could not find 'experiment/slpbd'" in done.stderr
    assert "slpdb" in done.stderr and "Traceback" not in done.stderr  # the options it offers
    done = _train(tmp_path, "data_root=/d", "--cfg", "job")  # no experiment: the defaults
    assert done.returncode == 0 and yaml.safe_load(done.stdout)["name"] == "wav2sleep"


def test_a_setting_no_run_could_use_is_one_line_naming_the_key_before_anything_is_built(tmp_path):
    done = _train(tmp_path, "data_root=/d", "cpu_processes=0", "output_dir=out")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().endswith("cpu_processes=0: expected an integer >= 1")
    assert not (tmp_path / "out" / "checkpoints").exists()  # only Hydra's record of the job is there


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("training.batch_size=0", "training.batch_size=0: expected an integer >= 1"),
        ("training.batch_size=1.5", "training.batch_size=1.5: expected an integer >= 1"),
        ("training.max_epochs=abc", "training.max_epochs='abc': expected an integer >= 1, or -1"),
        ("training.lr=-1", "training.lr=-1: expected a number >= 0"),
        ("training.flip_p=2", "training.flip_p=2: expected a probability"),
        ("target_batch_size=0", "target_batch_size=0: expected an integer >= 1"),
        ("num_gpus=-1", "num_gpus=-1: expected auto, or an integer >= 0"),
    ],
)
def test_settings_out_of_range_are_named(override, message):
    from wav2sleep.errors import ConfigError
    from wav2sleep.training.settings import check_settings
    from wav2sleep.training.train import compose_config

    check_settings(compose_config(["data_root=/d"]))  # the defaults pass
    check_settings(compose_config(["data_root=/d", "experiment=slpdb", "num_gpus=0", "training.max_epochs=-1"]))
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_settings(compose_config(["data_root=/d", override]))


def test_a_bad_store_is_one_line_without_a_traceback(tmp_path):
    done = _train(tmp_path, f"data_root={tmp_path / 'nothing'}")
    assert done.returncode == 2 and "not a wav2sleep store" in done.stderr and "Traceback" not in done.stderr


def test_multirun_sweeps_run_every_job_in_its_own_folder(train_store, tiny_overrides, tmp_path):
    done = _train(tmp_path, "-m", *tiny_overrides, f"data_root={train_store}", "name=sweep", "training.max_epochs=1",
                  "training.lr=1e-3,3e-3", timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    jobs = sorted((tmp_path / "outputs" / "sweep" / "multirun").iterdir())
    assert [j.name for j in jobs if j.is_dir() and j.name.isdigit()] == ["0", "1"]
    for job, lr in zip(("0", "1"), ("0.001", "0.003"), strict=True):
        folder = tmp_path / "outputs" / "sweep" / "multirun" / job
        assert (folder / "model" / "config.yaml").is_file()
        assert f"training.lr={lr}" in (folder / ".hydra" / "overrides.yaml").read_text()
    assert done.stdout.count("model: ") == 2
    # One MLflow store for the sweep: both runs, readable names, tags, F1 metrics.
    import mlflow

    client = mlflow.tracking.MlflowClient(f"sqlite:///{tmp_path / 'outputs' / 'sweep' / 'multirun' / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("wav2sleep").experiment_id])
    assert len(runs) == 2 and {r.data.tags["sweep_job"] for r in runs} == {"0", "1"}
    assert {r.data.tags["sweep"] for r in runs} == {"outputs/sweep/multirun"}
    assert all(r.info.run_name == "sweep-ECG+THX-shhs" for r in runs)
    assert all("wav2sleep_version" in r.data.tags and "store_manifest_sha256" in r.data.tags for r in runs)
    assert all({"val_macro_f1", "val_f1_W", "val_f1_REM"} <= set(r.data.metrics) for r in runs)


def test_run_dir_is_where_hydra_says(train_store, tiny_overrides, tmp_path):
    done = _train(tmp_path, *tiny_overrides, f"data_root={train_store}", "training.max_epochs=1",
                  f"hydra.run.dir={tmp_path / 'elsewhere'}")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "elsewhere" / "model" / "config.yaml").is_file()
    assert (tmp_path / "elsewhere" / ".hydra" / "config.yaml").is_file() and not (tmp_path / "outputs").exists()
    assert (tmp_path / "elsewhere" / "train.log").is_file()
    both = done.stdout + done.stderr
    assert both.count("`Trainer.fit` stopped") == 1  # no Lightning line twice
    assert len([line for line in done.stderr.splitlines() if line.startswith("epoch 0 | train_loss")]) == 1


def test_hydra_info_shows_the_packaged_config_search_path(tmp_path):
    done = _train(tmp_path, "data_root=/d", "--info", "searchpath")
    assert done.returncode == 0 and "pkg://wav2sleep.configs" in done.stdout


def test_bash_completion_installs_for_wav2sleep_and_completes_train_overrides(tmp_path):
    # As a user would: eval Hydra's install script in bash, then ask the completion function for a few lines.
    script = """
eval "$(wav2sleep train -sc install=bash)"
complete -p wav2sleep
ask() { COMP_LINE="$1"; COMP_POINT=${#1}; read -ra COMP_WORDS <<< "$1"; COMP_CWORD=$((${#COMP_WORDS[@]}-1))
        COMPREPLY=(); hydra_bash_completion; echo "$1 -> ${COMPREPLY[*]}"; }
ask "wav2sleep train mod"
ask "wav2sleep train model=wav2"
ask "wav2sleep train training.l"
ask "wav2sleep stage nig"
"""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" -> ") for line in done.stdout.splitlines() if " -> " in line)
    assert "-F hydra_bash_completion wav2sleep" in done.stdout
    assert "model=" in lines["wav2sleep train mod"].split()
    assert "model=wav2sleep-cardio" in lines["wav2sleep train model=wav2"].split()
    assert lines["wav2sleep train training.l"].split() == ["training.lr="]
    assert lines["wav2sleep stage nig"] == ""  # other subcommands keep the shell's file completion


def test_sigterm_exits_non_zero_and_keeps_the_best_model_so_far(train_store, tiny_overrides, tmp_path):
    import mlflow

    from wav2sleep.models import load_model

    cmd = [sys.executable, "-m", "wav2sleep", "train", *tiny_overrides, f"data_root={train_store}", "name=term",
           "training.max_epochs=500", "training.patience=500"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    run = tmp_path / "outputs" / "term"
    deadline = time.monotonic() + 300
    while not (run / "checkpoints" / "last.ckpt").is_file():  # wait for the first validated epoch
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1][-3000:]
        time.sleep(0.2)
    time.sleep(1.0)  # into a later epoch
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2 and "Traceback" not in err, err[-3000:]
    assert "training stopped by SIGTERM; the best model so far" in err and str(run / "model") in err
    assert load_model(run / "model").signals == ("ECG", "THX")
    client = mlflow.tracking.MlflowClient(f"sqlite:///{run / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("wav2sleep").experiment_id])
    assert [r.info.status for r in runs] == ["KILLED"]
