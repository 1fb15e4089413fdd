"""Find uniform borders (letterbox bars, padding) so a padded copy can be hashed as the picture inside.

Pure: takes a luma array, returns the box of the content. A line counts as border when nearly all of it
sits within a small tolerance of the border's colour (the median of the edge line), which survives JPEG noise around
flat bars. The lines are counted in C (_borders.c): in numpy, the calls alone cost a worker 0.15 ms a picture.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 12          # grey levels from the border colour
SHARE_WITHIN = 0.98     # of a line's pixels, for the line to count as border
MIN_TRIM_SHARE = 0.02   # trim at least this share of a side, or it is not worth a second hash
MIN_KEPT_SHARE = 0.4    # never keep less than this share of a side: a mostly-flat picture is not padding


def content_box(luma: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the picture inside uniform borders, or None when there is nothing to trim."""
    from tutela.hashing._borders import border_lines

    height, width = luma.shape
    if height < 16 or width < 16:
        return None
    if luma.dtype != np.uint8:
        raise TypeError(f"content_box takes an 8-bit luma plane, not {luma.dtype}")
    plane = np.ascontiguousarray(luma)
    top, bottom, left, right = border_lines(plane, width, height, TOLERANCE, SHARE_WITHIN)
    bottom, right = height - bottom, width - right
    kept_h, kept_w = bottom - top, right - left
    if kept_h < MIN_KEPT_SHARE * height or kept_w < MIN_KEPT_SHARE * width:
        return None
    if (height - kept_h) < MIN_TRIM_SHARE * height and (width - kept_w) < MIN_TRIM_SHARE * width:
        return None
    return top, bottom, left, right
