"""Benchmark PDQ near-match robustness: plain PDQ against tutela's matcher, on everyday edits, in one run.

Corpus: ../shared/tools/photo-corpus (deterministic JPEGs cropped from 25 public wallpaper photographs in
Debian packages). The photo-corpus derives several JPEGs from each source photograph, so the split into
"library" and "unrelated" goes by source: two crops of one photograph are near-duplicates, not strangers.

    .venv/bin/python bench/robustness.py [--corpus DIR] [--library 60] [--mid 60 --small 60]

Each library photo gets transformed copies (Pillow, saved as JPEG): re-encode at q=50, half size, greyscale,
a caption bar or words, brightness +30%, mirror, a quarter turn, 10% white and black padding (and black at
q=50), 3% and 8% crops.

- plain PDQ: a copy matches when its PDQ is within 31 bits of its original's (and its quality >= 50).
- tutela: LibraryMatcher (one bank, threshold 31, brute-force index of the originals' PDQs) queried with
  match_signals (8 dihedral PDQs, and 8 more inside uniform borders).

Prints recall per transform for both, false matches of the unrelated photos (and of their copies), the
distance distributions, and the targets. ``--tolerance``/``--share`` override the border detection's
constants for this run only (experiments; nothing in src/ changes).
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

from tutela.domain.banks import BankInfo, Trust
from tutela.hashing import borders
from tutela.hashing.pdq import hamming
from tutela.hashing.stills import hash_still, match_signals
from tutela.matching import matcher as rules
from tutela.matching.brute import BruteForcePdqIndex
from tutela.matching.matcher import LibraryMatcher, PdqQuery

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = 31
COPY_QUALITY = 90  # every copy is saved as a JPEG of this quality, except the q=50 re-encode


def _jpeg(image: Image.Image, quality: int = COPY_QUALITY) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


CAPTION = "look at this view from our trip last summer"


def _caption_bar(image: Image.Image) -> Image.Image:
    """A dark bar with white words across the bottom tenth, as a caption band."""
    out = image.copy()
    width, height = out.size
    bar = max(height // 10, 8)
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, height - bar, width, height), fill=(20, 20, 20))
    font = ImageFont.load_default(size=max(bar * 2 // 3, 8))
    draw.text((bar // 3, height - bar + bar // 8), CAPTION, fill=(255, 255, 255), font=font)
    return out


def _caption_words(image: Image.Image) -> Image.Image:
    """White outlined words over the picture itself, in a band of about a tenth of its height."""
    out = image.copy()
    width, height = out.size
    size = max(height // 12, 8)
    font = ImageFont.load_default(size=size)
    ImageDraw.Draw(out).text((width // 20, height - height // 10 - size // 4), CAPTION, fill=(255, 255, 255),
                             font=font, stroke_width=max(size // 12, 1), stroke_fill=(0, 0, 0))
    return out


def _pad(image: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    width, height = image.size
    dx, dy = round(width * 0.10), round(height * 0.10)
    return ImageOps.expand(image, border=(dx, dy, dx, dy), fill=colour)


def _crop(image: Image.Image, share: float) -> Image.Image:
    width, height = image.size
    dx, dy = round(width * share), round(height * share)
    return image.crop((dx, dy, width - dx, height - dy))


def _half(image: Image.Image) -> Image.Image:
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


TRANSFORMS: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg-q50": lambda im: _jpeg(im, 50),
    "resize-50%": lambda im: _jpeg(_half(im)),
    "greyscale": lambda im: _jpeg(im.convert("L")),
    "caption-bar": lambda im: _jpeg(_caption_bar(im)),
    "caption-words": lambda im: _jpeg(_caption_words(im)),
    "brightness+30%": lambda im: _jpeg(ImageEnhance.Brightness(im).enhance(1.3)),
    "mirror": lambda im: _jpeg(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
    "rotate-90": lambda im: _jpeg(im.transpose(Image.Transpose.ROTATE_90)),
    "pad-10%-white": lambda im: _jpeg(_pad(im, (255, 255, 255))),
    "pad-10%-black": lambda im: _jpeg(_pad(im, (0, 0, 0))),
    "pad-10%-black-q50": lambda im: _jpeg(_pad(im, (0, 0, 0)), 50),  # JPEG noise over the border's edge
    "crop-3%": lambda im: _jpeg(_crop(im, 0.03)),
    "crop-8%": lambda im: _jpeg(_crop(im, 0.08)),
}
TARGETS = {"mirror": 1.0, "rotate-90": 1.0, "pad-10%-white": 0.95, "pad-10%-black": 0.95}


@dataclass(frozen=True, slots=True)
class Photo:
    file: str
    source: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Probe:
    """One query: a photo or a transformed copy, with what both pipelines see of it."""

    original: int | None  # the library row it was made from; None for unrelated photos
    transform: str  # "as-is" for the untouched photo
    pdq: str
    quality: int
    candidates: tuple[tuple[str, str], ...]


def build_corpus(folder: Path, mid: int, small: int) -> None:
    if (folder / "manifest.csv").exists() and len(list(folder.glob("mid/*.jpg"))) >= mid:
        return
    tool = ROOT.parent / "shared" / "tools" / "photo-corpus"
    subprocess.run([sys.executable, str(tool), str(folder), "--phone", "0", "--mid", str(mid),
                    "--small", str(small)], check=True)


def split_by_source(folder: Path, library_size: int) -> tuple[list[Photo], list[Photo]]:
    """Library: whole source photographs, in manifest order, until ``library_size`` files; unrelated: the rest."""
    with open(folder / "manifest.csv", newline="") as handle:
        rows = [(r["file"], r["source"]) for r in csv.DictReader(handle) if not r["file"].startswith("phone/")]
    per_source: dict[str, list[str]] = {}
    for file, source in rows:
        per_source.setdefault(source, []).append(file)
    library, unrelated = [], []
    for source, files in per_source.items():
        target = library if len(library) < library_size else unrelated
        target += [Photo(f, source, (folder / f).read_bytes()) for f in files]
    return library, unrelated


def probe(data: bytes, original: int | None, transform: str) -> Probe:
    still = hash_still(data)
    signals = match_signals(data)
    return Probe(original, transform, still.pdq, still.quality, signals.candidates)


def probes_for(photos: list[Photo], library: bool) -> list[Probe]:
    out = []
    for row, photo in enumerate(photos):
        original = row if library else None
        if not library:
            out.append(probe(photo.data, None, "as-is"))
        with Image.open(io.BytesIO(photo.data)) as opened:
            image = opened.convert("RGB")
        out += [probe(make(image), original, name) for name, make in TRANSFORMS.items()]
    return out


def library_hashes(library: list[Photo], exact: bool) -> tuple[list[str], list[int]]:
    stills = [hash_still(p.data, exact=exact) for p in library]
    return [s.pdq for s in stills], [s.quality for s in stills]


def build_matcher(library: list[Photo], hashes: list[str]) -> LibraryMatcher:
    index = BruteForcePdqIndex(np.arange(len(hashes)), np.stack([np.frombuffer(bytes.fromhex(h), np.uint8)
                                                                  for h in hashes]))
    rows = {i: SimpleNamespace(id=i, bank_id=1, category="a", series=p.source, victim_identified=False)
            for i, p in enumerate(library)}
    bank = BankInfo(id=1, name="robustness", trust=Trust.TRUSTED, pdq_threshold=THRESHOLD)
    matcher = LibraryMatcher([bank], exact=None, near=index,  # type: ignore[arg-type]  # no digest queries
                             entries=lambda ids: {i: rows[i] for i in ids if i in rows})
    return matcher


def plain_matches(query: Probe, library_hashes: list[str]) -> set[int]:
    if query.quality < rules.MIN_PDQ_QUALITY:
        return set()
    return {i for i, h in enumerate(library_hashes) if hamming(query.pdq, h) <= THRESHOLD}


def tutela_matches(matcher: LibraryMatcher, queries: list[Probe]) -> list[set[int]]:
    results = matcher.match_pdqs([PdqQuery(q.candidates, q.quality) for q in queries])
    return [{m.entry_id for m in r.matches} for r in results]


def best_distance(query: Probe, pdq: str) -> tuple[int, str]:
    return min((hamming(candidate, pdq), label) for label, candidate in query.candidates)


def _spread(values: list[int]) -> str:
    return f"{int(np.median(values)):3d}/{max(values):3d}" if values else "  -/  -"


def report_recall(queries: list[Probe], hashes: list[str], eligible: set[int],
                  tutela: list[set[int]]) -> dict[str, tuple[float, float]]:
    print(f"\nrecall of library copies (threshold {THRESHOLD}); 'q>=50' counts only copies of originals whose PDQ"
          f" quality is >= {rules.MIN_PDQ_QUALITY};\n  distances: median/max to the original over all pairs "
          "(tutela: nearest candidate; hit: tutela's matched pairs only);\n  low-q: copies below the quality floor; "
          "trimmed: copies with border hashes")
    print(f"  {'transform':17} {'plain':>6} {'tutela':>7} {'q>=50':>6}   {'plain d':>7} {'tutela d':>8} {'hit d':>7}  "
          "low-q  trimmed  tutela misses (nearest label:distance)")
    recall = {}
    for name in TRANSFORMS:
        rows = [(q, found) for q, found in zip(queries, tutela, strict=True) if q.transform == name]
        plain = sum(q.original in plain_matches(q, hashes) for q, _ in rows) / len(rows)
        ours = sum(q.original in found for q, found in rows) / len(rows)
        kept = [(q, found) for q, found in rows if q.original in eligible]
        ours_eligible = sum(q.original in found for q, found in kept) / len(kept)
        plain_d = [hamming(q.pdq, hashes[q.original]) for q, _ in rows]
        best = [best_distance(q, hashes[q.original]) for q, _ in rows]
        low = sum(q.quality < rules.MIN_PDQ_QUALITY for q, _ in rows)
        trimmed = sum(any(label.startswith("trimmed") for label, _ in q.candidates) for q, _ in rows)
        hits = [d for (q, found), (d, _) in zip(rows, best, strict=True) if q.original in found]
        misses = sorted({f"{label}:{d}" for (q, found), (d, label) in zip(rows, best, strict=True)
                         if q.original not in found})
        recall[name] = ours, ours_eligible
        print(f"  {name:17} {plain:6.3f} {ours:7.3f} {ours_eligible:6.3f}   {_spread(plain_d)} "
              f"{_spread([d for d, _ in best]):>8} {_spread(hits):>7}  {low:5d}  {trimmed:7d}  {' '.join(misses[:6])}")
    return recall


def report_false(queries: list[Probe], hashes: list[str], tutela: list[set[int]]) -> int:
    print("\nfalse matches of unrelated photos against the library (queries with any match; nearest distance)")
    print(f"  {'query':17} {'n':>4} {'plain':>6} {'tutela':>7}   {'plain min':>9} {'tutela min':>10}")
    total = 0
    for name in ("as-is", *TRANSFORMS):
        rows = [(q, found) for q, found in zip(queries, tutela, strict=True) if q.transform == name]
        plain = sum(bool(plain_matches(q, hashes)) for q, _ in rows)
        ours = sum(bool(found) for _, found in rows)
        plain_min = min(hamming(q.pdq, h) for q, _ in rows for h in hashes)
        ours_min = min(best_distance(q, h)[0] for q, _ in rows for h in hashes)
        total += ours
        print(f"  {name:17} {len(rows):4d} {plain:6d} {ours:7d}   {plain_min:9d} {ours_min:10d}")
    return total


def report_targets(recall: dict[str, tuple[float, float]], false_matches: int) -> None:
    print(f"\ntargets (tutela; recall over all library photos, and over those with PDQ quality >= "
          f"{rules.MIN_PDQ_QUALITY}, which the quality rule lets be near matched at all)")
    for name, target in TARGETS.items():
        every, eligible = recall[name]
        verdicts = ["ok" if value >= target else "MISSED" for value in (every, eligible)]
        print(f"  recall {name:17} all {every:6.3f} {verdicts[0]:6}  q>=50 {eligible:6.3f} {verdicts[1]:6}  "
              f"(target >= {target:.2f})")
    verdict = "ok" if false_matches == 0 else "MISSED"
    print(f"  false matches among unrelated photos and their copies: {false_matches}  (target 0)  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "photo-corpus-robustness")
    parser.add_argument("--library", type=int, default=60, help="library size (whole source photographs)")
    parser.add_argument("--mid", type=int, default=60)
    parser.add_argument("--small", type=int, default=60)
    parser.add_argument("--tolerance", type=int, help="override borders.TOLERANCE for this run")
    parser.add_argument("--share", type=float, help="override borders.SHARE_WITHIN for this run")
    parser.add_argument("--min-quality", type=int, help="override the matcher's PDQ quality floor for this run")
    parser.add_argument("--library-exact", action="store_true",
                        help="hash the library with the reference pipeline (as an imported hash list would be)")
    args = parser.parse_args()
    if args.min_quality is not None:
        rules.MIN_PDQ_QUALITY = args.min_quality
    if args.tolerance is not None:
        borders.TOLERANCE = args.tolerance
    if args.share is not None:
        borders.SHARE_WITHIN = args.share
    build_corpus(args.corpus, args.mid, args.small)
    library, unrelated = split_by_source(args.corpus, args.library)
    print(f"corpus: {args.corpus} (photo-corpus --phone 0 --mid {args.mid} --small {args.small}: JPEGs of 1600 and "
          f"640 px, random crops of 25 wallpaper photographs)")
    print(f"library: {len(library)} files from {len({p.source for p in library})} photographs; unrelated: "
          f"{len(unrelated)} files from {len({p.source for p in unrelated})} other photographs")
    print(f"copies: {len(TRANSFORMS)} per photo, JPEG q={COPY_QUALITY} unless stated; border detection "
          f"TOLERANCE={borders.TOLERANCE} SHARE_WITHIN={borders.SHARE_WITHIN}")
    hashes, qualities = library_hashes(library, args.library_exact)
    matcher = build_matcher(library, hashes)
    eligible = {i for i, quality in enumerate(qualities) if quality >= rules.MIN_PDQ_QUALITY}
    low = sorted({library[i].source for i in range(len(library)) if i not in eligible})
    print(f"library PDQs: {'exact (reference pipeline)' if args.library_exact else 'fast (reduced grey decode)'};"
          f" queries: fast; quality floor {rules.MIN_PDQ_QUALITY}")
    print(f"library originals with PDQ quality < {rules.MIN_PDQ_QUALITY}: {len(library) - len(eligible)} "
          f"({', '.join(low) or 'none'}; quality {min(qualities)}..{max(qualities)} over the library)")
    copies = probes_for(library, library=True)
    strangers = probes_for(unrelated, library=False)
    print(f"queries: {len(copies)} library copies, {len(strangers)} unrelated photos and copies")
    recall = report_recall(copies, hashes, eligible, tutela_matches(matcher, copies))
    false_matches = report_false(strangers, hashes, tutela_matches(matcher, strangers))
    report_targets(recall, false_matches)


if __name__ == "__main__":
    main()
