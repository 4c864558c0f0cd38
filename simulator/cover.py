"""The flows a rule applies to, and the share of each, held sparse.

Most rules name one country or a short list of products, so a rule's cover lists the rows it touches (ascending)
and the share of each (``None`` when every share is 1). A schedule of a thousand rules on a world dataset then
costs the flows the rules touch, not a thousand arrays the size of the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Cover:
    rows: np.ndarray                 # int64 ascending, unique: the flows covered
    share: np.ndarray | None         # float64 share of each of those flows; None: the whole of each
    n: int                           # flows in the dataset

    @staticmethod
    def none(n: int) -> Cover:
        return Cover(np.zeros(0, dtype=np.int64), None, n)

    @staticmethod
    def of(dense: np.ndarray) -> Cover:
        """From a boolean mask or an array of shares over every flow."""
        rows = np.flatnonzero(dense)
        return Cover(rows, None if dense.dtype == bool else dense[rows].astype(np.float64), dense.shape[0])

    @property
    def whole(self) -> bool:
        return self.share is None

    def values(self) -> np.ndarray:
        """The share of each covered row (ones where whole)."""
        return np.ones(self.rows.size) if self.share is None else self.share

    def dense(self) -> np.ndarray:
        """Over every flow: a boolean mask where whole, else the shares (0 off the cover)."""
        if self.share is None:
            out = np.zeros(self.n, dtype=bool)
            out[self.rows] = True
        else:
            out = np.zeros(self.n)
            out[self.rows] = self.share
        return out

    def scaled(self, share: float | np.ndarray) -> Cover:
        """Times a fraction, or times a share per flow (an array over every flow)."""
        by = share[self.rows] if isinstance(share, np.ndarray) else share
        if isinstance(by, float) and by == 1.0:
            return self
        return self._keep_positive(self.values() * by)

    def less(self, lifted: np.ndarray) -> Cover:
        """Less the share of each flow that ``lifted`` (over every flow: a mask or shares) takes away."""
        by = lifted[self.rows]
        if by.dtype == bool:
            keep = ~by
            return Cover(self.rows[keep], None if self.share is None else self.share[keep], self.n)
        return self._keep_positive(self.values() * (1.0 - by))

    def _keep_positive(self, share: np.ndarray) -> Cover:
        keep = share > 0
        if keep.all():
            return Cover(self.rows, share, self.n)
        return Cover(self.rows[keep], share[keep], self.n)
