"""Hydra launchers and sweepers with real backends: submitit's local executor (subprocesses), a local Ray instance,
an Optuna search; each job's outcome reaches the command line, and every job logs to the sweep's MLflow store."""

import subprocess
import sys

import pytest
import yaml


def _train(cwd, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "wav2sleep", "train", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


def _mlflow_runs(sweep_dir):
    import mlflow

    client = mlflow.tracking.MlflowClient(f"sqlite:///{sweep_dir / 'mlflow.db'}")
    return client.search_runs([client.get_experiment_by_name("wav2sleep").experiment_id])


def test_submitit_local_runs_each_job_as_its_own_process_and_reports_a_failed_one(train_store, tiny_overrides,
                                                                                   tmp_path):  # fmt: skip
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    done = _train(tmp_path, "-m", "hydra/launcher=submitit_local", *tiny_overrides, "name=sub", "training.max_epochs=1",
                  f"data_root={train_store},{tmp_path / 'no_store'}")  # fmt: skip
    sweep = tmp_path / "outputs" / "sub" / "multirun"
    # One job trained, one failed: both outcomes came back from the subprocesses to the command line.
    assert done.returncode == 1, done.stderr[-3000:]
    assert done.stdout.count("model: ") == 1 and "model: " + str(sweep / "0" / "model") in done.stdout
    assert "wav2sleep train: error (job" in done.stderr and "not a wav2sleep store" in done.stderr
    submitted = sorted(p for p in (sweep / ".submitit").iterdir() if p.name.isdigit())
    assert len(submitted) == 2 and all(list(p.glob("*_result.pkl")) for p in submitted)
    runs = _mlflow_runs(sweep)
    assert len(runs) == 1 and runs[0].data.tags["sweep_job"] == "0" and runs[0].info.status == "FINISHED"


def test_submitit_local_jobs_share_the_sweeps_mlflow_store(train_store, tiny_overrides, tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    done = _train(tmp_path, "-m", "hydra/launcher=submitit_local", *tiny_overrides, f"data_root={train_store}",
                  "name=sub", "training.max_epochs=1", "training.lr=1e-3,3e-3")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    sweep = tmp_path / "outputs" / "sub" / "multirun"
    runs = _mlflow_runs(sweep)  # both jobs started at once and created one database between them
    assert sorted(r.data.tags["sweep_job"] for r in runs) == ["0", "1"]
    assert sorted(r.data.params["training.lr"] for r in runs) == ["0.001", "0.003"]


def test_the_ray_launcher_runs_a_sweep_on_a_local_ray_instance(train_store, tiny_overrides, tmp_path):
    pytest.importorskip("ray")
    done = _train(tmp_path, "-m", "hydra/launcher=ray", "hydra.launcher.num_cpus=2", *tiny_overrides,
                  f"data_root={train_store}", "name=ray", "training.max_epochs=1", "training.lr=1e-3,3e-3")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    sweep = tmp_path / "outputs" / "ray" / "multirun"
    assert "Ray launcher: 2 jobs on 2 CPUs" in done.stdout + done.stderr
    assert "(_run_job pid=" in done.stdout + done.stderr  # the jobs ran in Ray's worker processes
    for job in ("0", "1"):
        hydra_cfg = yaml.safe_load((sweep / job / ".hydra" / "hydra.yaml").read_text())
        assert hydra_cfg["hydra"]["job"]["id"] == f"ray_{job}"
        assert (sweep / job / "model" / "config.yaml").is_file()
    assert sorted(r.data.tags["sweep_job"] for r in _mlflow_runs(sweep)) == ["0", "1"]


def test_an_optuna_search_of_two_trials_minimises_the_validation_loss(train_store, tiny_overrides, tmp_path):
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    fixed = [o for o in tiny_overrides if not o.startswith("training.lr=")]
    done = _train(tmp_path, "-m", "hydra/sweeper=search", "hydra.sweeper.n_trials=2", "hydra.sweeper.params={}",
                  "training.lr=tag(log, interval(1e-4, 1e-2))", *fixed, f"data_root={train_store}", "name=opt",
                  "training.max_epochs=1")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    sweep = tmp_path / "outputs" / "opt" / "multirun"
    result = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    losses = [r.data.metrics["val_loss"] for r in _mlflow_runs(sweep)]
    assert len(losses) == 2 and result["best_value"] == pytest.approx(min(losses), abs=1e-6)
    assert 1e-4 <= result["best_params"]["training.lr"] <= 1e-2


def test_the_slurm_preset_asks_for_one_task_per_gpu_on_every_node(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    done = _train(tmp_path, "hydra/launcher=slurm", "hydra.launcher.partition=gpu", "num_gpus=4", "num_nodes=2",
                  "data_root=/d", "--cfg", "all", "--resolve")  # fmt: skip
    assert done.returncode == 0, done.stderr
    launcher = yaml.safe_load(done.stdout)["hydra"]["launcher"]
    assert launcher["_target_"].endswith("SlurmLauncher") and launcher["partition"] == "gpu"
    assert (launcher["nodes"], launcher["gpus_per_node"], launcher["tasks_per_node"]) == (2, 4, 4)


@pytest.mark.parametrize(("blocked", "extra"), [("hydra", "train"), ("lightning", "train")])
def test_training_without_its_extra_is_one_line_naming_the_extra(tmp_path, blocked, extra):
    # As on a core-only install: the library is absent (an import of it fails as a missing module does).
    code = (f"import sys; sys.modules[{blocked!r}] = None; from wav2sleep.cli.main import main; "
            f"sys.exit(main(['train', 'data_root={tmp_path}']))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"this needs the '{extra}' extra" in done.stderr and f"pip install 'wav2sleep[{extra}]'" in done.stderr
