r"""128-bit ground truth of the exponential family (activations/exponential.py): torch.nn's ELU,
CELU, SELU, Softplus; Squareplus, xIELU and the shifted softplus of SchNet.
"""

from __future__ import annotations

from mpmath import mp, mpf

from .core import (
    INF,
    NAN,
    _inf,
    _limits,
    _nan,
    _ref,
    _ref_scanned,
    sigmoid,
    softplus,
)

# ---- exponential ------------------------------------------------------------------------
SELU_ALPHA = mpf("1.6732632423543772848170429916717")


SELU_SCALE = mpf("1.0507009873554804934193349852946")


@_ref("ELU")
class _ELU:
    def f(x, alpha):
        return NAN if _nan(x) else (x if x > 0 else mpf(alpha) * mp.expm1(x))

    def df(x, alpha):  # f'(0) = alpha (the x <= 0 branch); f'(NaN) = 1 (torch)
        return mpf(1) if _nan(x) or x > 0 else mpf(alpha) * mp.exp(x)


@_ref("CELU")
class _CELU:
    def f(x, alpha):
        return NAN if _nan(x) else (x if x > 0 else mpf(alpha) * mp.expm1(x / mpf(alpha)))

    def df(x, alpha):  # f'(NaN) = 1 (torch)
        return mpf(1) if _nan(x) or x > 0 else mp.exp(x / mpf(alpha))


@_ref("SELU")
class _SELU:
    def f(x):
        return NAN if _nan(x) else SELU_SCALE * (x if x > 0 else SELU_ALPHA * mp.expm1(x))

    def df(x):  # f'(NaN) = scale (torch)
        return SELU_SCALE if _nan(x) or x > 0 else SELU_SCALE * SELU_ALPHA * mp.exp(x)


@_ref("Softplus")
class _Softplus:
    def f(x, beta, threshold):
        if _nan(x):
            return NAN
        z = x * mpf(beta)
        return x if z > threshold else softplus(z) / mpf(beta)

    def df(x, beta, threshold):
        if _nan(x):
            return NAN
        z = x * mpf(beta)
        return mpf(1) if z > threshold else sigmoid(z)


def _squareplus_root(x: mpf, b: mpf) -> mpf:
    return mp.sqrt(x * x + b)


@_ref("Squareplus")
class _Squareplus:
    def f(x, b):  # b / (2(s - x)) for x < 0: no cancellation
        if _nan(x) or _inf(x):
            return x if _nan(x) or x > 0 else mpf(0)
        b = mpf(b)
        s = _squareplus_root(x, b)
        return b / (2 * (s - x)) if x < 0 else (x + s) / 2

    def df(x, b):  # f / s
        if _nan(x) or _inf(x):
            return x if _nan(x) else (mpf(1) if x > 0 else mpf(0))
        return _Squareplus.f(x, b) / _squareplus_root(x, mpf(b))


@_ref("ShiftedSoftplus")
class _ShiftedSoftplus:
    def f(x):  # log((1 + e^x) / 2) = log1p((e^x - 1) / 2): no cancellation at the zero x = 0
        if _nan(x):
            return NAN
        if _inf(x):
            return INF if x > 0 else -mp.log(2)
        return mp.log1p(mp.expm1(x) / 2)

    def df(x):
        return sigmoid(x)


XIELU_EPS = -1e-6  # the float64 value: the module compares float32 inputs in float64


# ---- xIELU (raw parameters r_p, r_n: alpha_p = softplus(r_p), alpha_n = 1/2 + softplus(r_n)) ------
XIELU_BETA = mpf(1) / 2


@_ref_scanned("xIELU")
class _xIELU:
    def f(x, alpha_p, alpha_n):
        ap, an = softplus(mpf(alpha_p)), XIELU_BETA + softplus(mpf(alpha_n))
        lim = _limits(x, INF if an > XIELU_BETA else -INF, INF if ap > 0 else -INF)
        if lim is not None:
            return lim
        if x > 0:
            return ap * x * x + XIELU_BETA * x
        with mp.extraprec(64):  # expm1(x) - x cancels like x^2/2
            return an * (mp.expm1(min(x, mpf(XIELU_EPS))) - x) + XIELU_BETA * x

    def df(x, alpha_p, alpha_n):
        ap, an = softplus(mpf(alpha_p)), XIELU_BETA + softplus(mpf(alpha_n))
        lim = _limits(x, XIELU_BETA - an, INF if ap > 0 else -INF)
        if lim is not None:
            return lim
        if x > 0:
            return 2 * ap * x + XIELU_BETA
        if x <= mpf(XIELU_EPS):
            return an * mp.expm1(x) + XIELU_BETA
        return XIELU_BETA - an  # expm1(min(x, eps)) is flat on (eps, 0]
