r"""Adaptive softmax (Grave et al., 2016), drop-in for ``torch.nn.AdaptiveLogSoftmaxWithLoss``.

The classes are split by ``cutoffs`` into a frequent shortlist and tail clusters. The head scores
the shortlist plus one logit per cluster; cluster i scores its own classes through a low-rank
projection of width ``in_features // div_value**(i+1)``:

.. math::
    \log p(c \mid x) = \begin{cases}
        \log\mathrm{softmax}(W_h x)_c & c < \text{cutoffs}[0] \\
        \log\mathrm{softmax}(W_h x)_{s+i} + \log\mathrm{softmax}(W_{i,2} W_{i,1} x)_{c - \text{cutoffs}[i]}
            & c \in \text{cluster } i
    \end{cases}

Same constructor, ``state_dict`` keys (``head.weight``, ``head.bias``, ``tail.i.0.weight``,
``tail.i.1.weight``), ``forward -> _ASMoutput(output, loss)``, ``log_prob``, ``predict`` and errors
as torch 2.13; every log-softmax is :func:`actlab.functional.log_softmax`.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .. import functional as AF
from ..errors import ShapeError

__all__ = ["AdaptiveLogSoftmaxWithLoss", "TargetError", "InputDimError"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class TargetError(ValueError, RuntimeError):
    """Targets out of ``[0, n_classes - 1]`` or not integers (torch raises ``RuntimeError``)."""


class InputDimError(ValueError, IndexError):
    """``log_prob``/``predict`` got an input that is not 2-D (torch raises ``IndexError``)."""


class AdaptiveLogSoftmaxWithLoss(nn.Module):
    r"""Efficient softmax approximation for large vocabularies (Grave et al., 2016,
    https://arxiv.org/abs/1609.04309).

    .. math::
        \log p(c \mid x) = \log p_{\text{head}}(\text{cluster}(c) \mid x) + \log p_{\text{cluster}}(c \mid x)

    Args:
        in_features: number of input features.
        n_classes: number of classes; sort them by frequency (most frequent = smallest index).
        cutoffs: increasing, unique integers in ``[1, n_classes - 1]`` splitting the classes into
            the shortlist ``[0, cutoffs[0])`` and clusters ``[cutoffs[i], cutoffs[i+1])``.
        div_value: the i-th cluster's projection has ``in_features // div_value**(i+1)`` units. Default 4.0.
        head_bias: add a bias to the head. Default False.

    Shape:
        input (N, in_features) or (in_features); target (N) or () with values in [0, n_classes - 1].
        output (N) or (): the target log-probabilities; loss (): mean negative log-likelihood.

    Examples::

        >>> asm = AdaptiveLogSoftmaxWithLoss(16, 100, cutoffs=[10, 40])
        >>> out, loss = asm(torch.randn(8, 16), torch.randint(0, 100, (8,)))
        >>> asm.log_prob(torch.randn(8, 16)).exp().sum(1)  # doctest: +SKIP
        tensor([1.0000, 1.0000, ...])
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an increasing order, "
                "where each value is between 1 and n_classes-1"
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = nn.Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = nn.ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                nn.Sequential(
                    nn.Linear(in_features, hidden, bias=False, **factory),
                    nn.Linear(hidden, size, bias=False, **factory),
                )
            )

    def reset_parameters(self) -> None:
        """Re-initialise every Linear as at construction (torch's Kaiming-uniform default)."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def _check_features(self, input: Tensor) -> None:
        if not isinstance(input, Tensor):
            raise TypeError(f"AdaptiveLogSoftmaxWithLoss: input must be a torch.Tensor, got {type(input).__name__}")
        if input.size(-1) != self.in_features:
            raise ShapeError(
                f"AdaptiveLogSoftmaxWithLoss: expected input with {self.in_features} features in the last "
                f"dimension, got size {tuple(input.shape)}"
            )

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        r"""Log-probability of each target and the mean loss :math:`-\frac1N\sum_n \log p(t_n \mid x_n)`."""
        if not isinstance(target_, Tensor):
            raise TypeError(f"AdaptiveLogSoftmaxWithLoss: target must be a torch.Tensor, got {type(target_).__name__}")
        if target_.dim() == 1:
            if input_.size(0) != target_.size(0):
                raise ShapeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise ShapeError(
                    f"1D target tensor expects 2D input tensors, but found inputs with size {input_.size()}"
                )
        elif target_.dim() == 0:
            if input_.dim() != 1:
                raise ShapeError(
                    f"0D target tensor expects 1D input tensors, but found inputs with size {input_.size()}"
                )
        else:
            raise ShapeError("0D or 1D target tensor expected, multi-target not supported")
        if target_.dtype == torch.bool or target_.is_floating_point() or target_.is_complex():
            raise TargetError(f"AdaptiveLogSoftmaxWithLoss: target must be an integer tensor, got {target_.dtype}")
        self._check_features(input_)
        batched = target_.dim() > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = (target_ if batched else target_.unsqueeze(0)).long()
        if target.numel() and (target.min() < 0 or target.max() >= self.n_classes):
            raise TargetError(
                f"Target values should be in [0, {self.n_classes - 1}], "
                f"but values in range [{target.min().item()}, {target.max().item()}] were found. "
            )

        head_logprob = AF.log_softmax(self.head(input), dim=1)
        head_index = target.clone()  # shortlist targets index the head directly
        output = input.new_zeros(target.size(0))
        for i, (low, high) in enumerate(zip(self.cutoffs[:-1], self.cutoffs[1:])):
            rows = ((target >= low) & (target < high)).nonzero().flatten()
            if rows.numel() == 0:
                continue
            head_index[rows] = self.shortlist_size + i
            cluster_logprob = AF.log_softmax(self.tail[i](input.index_select(0, rows)), dim=1)
            local = cluster_logprob.gather(1, (target[rows] - low).unsqueeze(1)).squeeze(1)
            output = output.index_copy(0, rows, local)
        output = output + head_logprob.gather(1, head_index.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        """log p(c | x) for every class c: the head's shortlist, then each cluster's log-softmax
        plus its head log-probability."""
        head_logprob = AF.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = AF.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return torch.cat(parts, dim=1)

    def _check_2d(self, input: Tensor, name: str) -> None:
        self._check_features(input)
        if input.dim() != 2:
            raise InputDimError(
                f"AdaptiveLogSoftmaxWithLoss.{name}: expected a 2-D (N, {self.in_features}) input, "
                f"got size {tuple(input.shape)}"
            )

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of all ``n_classes`` classes, shape (N, n_classes)."""
        self._check_2d(input, "log_prob")
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """Most probable class per row, = ``log_prob(input).argmax(1)``; the tail is only evaluated for
        rows whose head argmax is a cluster (a shortlist winner beats every class of every cluster,
        since a cluster's classes share, and split, its head probability)."""
        self._check_2d(input, "predict")
        head_output = self.head(input)
        output = torch.argmax(head_output, dim=1)
        in_tail = output >= self.shortlist_size
        if in_tail.any():
            output[in_tail] = torch.argmax(self._full_log_prob(input[in_tail], head_output[in_tail]), dim=1)
        return output
