import subprocess
import sys

from conftest import ROOT


def test_server_without_an_index_says_how_to_build_one(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "server.py"), "--store", str(tmp_path / "none")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "python ingest.py" in out.stderr
