"""Find uniform borders (letterbox bars, padding) so a padded copy can be hashed as the picture inside.

Pure: takes a luma array, returns the box of the content. A line counts as border when nearly all of it
sits within a small tolerance of the border's colour, which survives JPEG noise around flat bars.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 12          # grey levels from the border colour
SHARE_WITHIN = 0.98     # of a line's pixels, for the line to count as border
MIN_TRIM_SHARE = 0.02   # trim at least this share of a side, or it is not worth a second hash
MIN_KEPT_SHARE = 0.4    # never keep less than this share of a side: a mostly-flat picture is not padding


def _border_lines(lines: np.ndarray, colour: float) -> int:
    """How many leading lines (rows of ``lines``) are border of ``colour``.

    Read from the edge in blocks that double, stopping at the first block with a line that is not border: most
    pictures have none, and scanning the whole picture four times cost a pipeline worker a sixth of its time."""
    done, block = 0, 1
    while done < len(lines):
        chunk = lines[done:done + block]
        close = np.abs(chunk.astype(np.int16) - colour) <= TOLERANCE
        is_border = close.mean(axis=1) >= SHARE_WITHIN
        if not is_border.all():
            return done + int(np.argmin(is_border))
        done += len(chunk)
        block *= 2
    return done


def content_box(luma: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the picture inside uniform borders, or None when there is nothing to trim."""
    height, width = luma.shape
    if height < 16 or width < 16:
        return None
    top = _border_lines(luma, float(np.median(luma[0])))
    bottom = height - _border_lines(luma[::-1], float(np.median(luma[-1])))
    left = _border_lines(luma.T, float(np.median(luma[:, 0])))
    right = width - _border_lines(luma.T[::-1], float(np.median(luma[:, -1])))
    kept_h, kept_w = bottom - top, right - left
    if kept_h < MIN_KEPT_SHARE * height or kept_w < MIN_KEPT_SHARE * width:
        return None
    if (height - kept_h) < MIN_TRIM_SHARE * height and (width - kept_w) < MIN_TRIM_SHARE * width:
        return None
    return top, bottom, left, right
