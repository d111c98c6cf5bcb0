"""A tiny hand-written archive for the tag-engine tests: three topics, an old and a new tag for one of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from author_tui.core.model import ArchiveDoc, Entry

# (date, title, Korean note, tags); each topic has its own words so similarity has something to find.
NOTES = [
    ("2019-03-01", "Language model pretraining at scale", "언어 모델 사전학습 규모 실험.", "language_model"),
    ("2019-06-01", "Masked language model objectives", "언어 모델 목표 함수 비교.", "language_model"),
    ("2025-01-10", "Scaling language model pretraining data", "언어 모델 데이터 규모.", "llm pretraining"),
    ("2025-02-10", "Language model instruction data", "언어 모델 지시 데이터.", "llm"),
    ("2025-03-10", "Long context language model", "긴 문맥 언어 모델.", "llm long-context"),
    ("2024-05-01", "Object detection with anchor free heads", "물체 검출 헤드.", "object-detection"),
    ("2024-06-01", "Real time object detection transformer", "실시간 물체 검출.", "object-detection"),
    ("2020-06-01", "Object detection with feature pyramids", "물체 검출 피라미드.", "object_detection"),
    ("2024-07-01", "Denoising diffusion image generation", "확산 모델 이미지 생성.", "diffusion"),
    ("2024-08-01", "Latent diffusion for video generation", "확산 모델 비디오 생성.", "diffusion video"),
    ("2024-09-01", "Diffusion sampler distillation", "확산 모델 샘플링 증류.", "diffusion distillation"),
    ("2024-10-01", "Reinforcement learning for reasoning", "강화학습 추론.", "rl reasoning"),
    ("2024-11-01", "Policy optimization for math reasoning", "강화학습 수학 추론.", "rl reasoning"),
    ("2024-12-01", "Reward models for reasoning chains", "보상 모델 추론.", "reasoning reward-model"),
]


def doc(i: int, date: str, title: str, note: str, tags: str) -> ArchiveDoc:
    entry = Entry(title=title, note=note, tags=tags.split(), link=f"https://arxiv.org/abs/2001.{i:05d}")
    return ArchiveDoc(key=f"vault/{date} {title}.md", date=dt.date.fromisoformat(date), entry=entry)


def archive() -> list[ArchiveDoc]:
    return [doc(i, *note) for i, note in enumerate(NOTES)]


def note_text(i: int, title: str, note: str, tags: str) -> str:
    """The NOTES entry as a vault note file: link, title line, Korean note, tags line."""
    hashes = " ".join(f"#{t}" for t in tags.split())
    return f"https://arxiv.org/abs/2001.{i:05d}\n\n*{title}* (Some Author)\n\n{note}\n\n{hashes}"


def write_corpus(root: Path) -> Path:
    """NOTES as a vault folder of notes named like the author's (`YYMMDD Title.md`), for the commands."""
    root.mkdir(parents=True)
    for i, (date, title, note, tags) in enumerate(NOTES):
        (root / f"{date[2:4]}{date[5:7]}{date[8:10]} {title}.md").write_text(note_text(i, title, note, tags),
                                                                               encoding="utf-8")
    return root
