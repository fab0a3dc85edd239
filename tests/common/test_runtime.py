"""A job's output, and the reason it failed, end up in its rule's log file.

Each job runs in a process of its own, as Snakemake runs a rule's script: the redirection
works on the process's file descriptors, which pytest's capture would hide in-process.
"""

import ast
import subprocess
import sys
import textwrap


def run_job(tmp_path, body: str) -> tuple[subprocess.CompletedProcess, str]:
    log = tmp_path / "logs/job.log"
    script = textwrap.dedent(f"""
        from phenomena.common.config import ConfigError
        from phenomena.common.runtime import output_to_log
        with output_to_log({str(log)!r}):
            print("epoch 1 done")
    """) + textwrap.indent(textwrap.dedent(body), "    ")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    return done, log.read_text()


def test_output_and_traceback_of_a_failing_job_go_to_its_log(tmp_path):
    done, log = run_job(tmp_path, "1 / 0")
    assert done.returncode == 1
    assert "epoch 1 done" in log and "epoch 1 done" not in done.stdout
    assert "Traceback (most recent call last)" in log and "ZeroDivisionError: division by zero" in log


def test_user_error_ends_the_job_with_one_line_and_no_traceback(tmp_path):
    done, log = run_job(tmp_path, 'raise ConfigError("grokking.modulus: got 96; must be a prime")')
    assert done.returncode == 1
    assert log == "epoch 1 done\nphenomena: grokking.modulus: got 96; must be a prime\n"
    assert done.stderr == "phenomena: grokking.modulus: got 96; must be a prime\n"


def test_a_job_that_succeeds_leaves_only_its_output(tmp_path):
    done, log = run_job(tmp_path, 'print("saved")')
    assert done.returncode == 0 and log == "epoch 1 done\nsaved\n" and done.stderr == ""


def test_a_full_disk_met_outside_our_writers_ends_the_job_with_one_line(tmp_path):
    """Where a writer other than atomic_path meets a full disk (Lightning's own, a library's)."""
    checkpoint = "results/grokking/runs/r/checkpoints/last.ckpt"
    done, log = run_job(
        tmp_path, f"import errno, os\nraise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), {checkpoint!r})"
    )
    line = f"phenomena: no space left on device writing {checkpoint}; free space and rerun snakemake"
    assert done.returncode == 1
    assert log == f"epoch 1 done\n{line}\n"
    assert done.stderr == f"{line}\n"


def test_the_collector_is_off_while_importing_and_on_after(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc\nfrom phenomena.common.runtime import imports_without_collection\n"
            "with imports_without_collection():\n    during = gc.isenabled()\n"
            "print(during, gc.isenabled(), gc.get_freeze_count() > 0)",
        ],
        capture_output=True,
        text=True,
    )
    assert done.stdout.split() == ["False", "True", "True"], done.stderr


def test_every_rule_script_imports_with_the_collector_off(request):
    """The convention that saves ~0.8 s of each training job's start holds for every script."""
    scripts = sorted((request.config.rootpath / "workflow/scripts").glob("*.py"))
    assert scripts
    for script in scripts:
        body = ast.parse(script.read_text()).body
        imports = [node for node in body if isinstance(node, (ast.Import, ast.ImportFrom))]
        names = [alias.name for node in imports for alias in node.names]
        assert names == ["imports_without_collection"], f"{script.name}: top-level imports {names}"
        blocks = [node for node in body if isinstance(node, ast.With)]
        assert ast.unparse(blocks[0].items[0].context_expr) == "imports_without_collection()", script.name
